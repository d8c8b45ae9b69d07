//! The `fit { ... }` settings schema: one table ([`SCHEMA`]) of key, type, range, default and
//! documentation, read by the checker (unknown keys and bad values are errors), by
//! `mechc explain fit` and by the README. Later stages read typed values from [`FitSettings`].
//! Input: `ast::FitDecl`; output: [`FitSettings`] with every default filled in.

use std::collections::BTreeMap;

/// The type and allowed range of a setting.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// One of the listed words.
    Word(&'static [&'static str]),
    /// An integer in `min..=max`.
    Int { min: i64, max: i64 },
    /// A float in `[min, max]` (`min_open`: the minimum itself is excluded).
    Float { min: f64, max: f64, min_open: bool },
    /// A float as above, or the word `auto`.
    FloatOrAuto { min: f64, max: f64 },
    /// `true` or `false`.
    Bool,
}

/// A typed setting value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Word(&'static str),
    Int(i64),
    Float(f64),
    Auto,
    Bool(bool),
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Word(w) => f.write_str(w),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x}"),
            Value::Auto => f.write_str("auto"),
            Value::Bool(b) => write!(f, "{b}"),
        }
    }
}

/// One row of the schema.
#[derive(Debug)]
pub struct SettingSpec {
    pub key: &'static str,
    pub kind: Kind,
    pub default: Value,
    pub doc: &'static str,
}

const fn float(min: f64, max: f64) -> Kind {
    Kind::Float { min, max, min_open: false }
}
const fn positive(max: f64) -> Kind {
    Kind::Float { min: 0.0, max, min_open: true }
}

/// Settings the fit does not read yet (they belong to gradient training, which only neural terms
/// will need); setting one explicitly draws the warning `W004`.
pub const NO_EFFECT: &[&str] = &[
    "epochs",
    "lr",
    "stride",
    "batch",
    "weight_equation",
    "weight_init",
    "weight_smooth",
    "l1",
    "weight_decay",
    "validation",
    "device",
    "verbose",
];

/// Every `fit` setting. Add new keys here; the checker, `mechc explain fit` and the README follow.
pub static SCHEMA: &[SettingSpec] = &[
    SettingSpec { key: "method", kind: Kind::Word(&["mnn", "sindy"]), default: Value::Word("mnn"),
        doc: "training method; `mnn` and `sindy` currently run the same engine (a learned, denoised trajectory fitted jointly with the coefficients by Gauss-Newton)" },
    SettingSpec { key: "epochs", kind: Kind::Int { min: 1, max: 1_000_000 }, default: Value::Int(400),
        doc: "optimiser passes over all windows per threshold round" },
    SettingSpec { key: "lr", kind: positive(10.0), default: Value::Float(1e-3),
        doc: "Adam learning rate" },
    SettingSpec { key: "threshold", kind: Kind::FloatOrAuto { min: 0.0, max: 1e6 }, default: Value::Auto,
        doc: "normalised magnitude (|coefficient| x rms(term) / rms(derivative)) below which `sparse` terms are dropped each round; `auto` walks a backward-elimination path and keeps the level with the lowest BIC" },
    SettingSpec { key: "rounds", kind: Kind::Int { min: 0, max: 100 }, default: Value::Int(4),
        doc: "threshold-and-refit rounds for a numeric threshold (0 fits once without thresholding)" },
    SettingSpec { key: "window", kind: Kind::Int { min: 3, max: 100_000 }, default: Value::Int(50),
        doc: "time steps per training window; each trajectory needs at least this many rows" },
    SettingSpec { key: "stride", kind: Kind::Int { min: 0, max: 100_000 }, default: Value::Int(0),
        doc: "steps between window starts; 0 means half a window" },
    SettingSpec { key: "batch", kind: Kind::Int { min: 1, max: 1_000_000 }, default: Value::Int(32),
        doc: "windows per optimiser step" },
    SettingSpec { key: "weight_equation", kind: float(0.0, 1e12), default: Value::Float(1.0),
        doc: "weight of the ODE equation rows in the MNN least-squares problem" },
    SettingSpec { key: "weight_init", kind: float(0.0, 1e12), default: Value::Float(1.0),
        doc: "weight of the initial-value rows in the MNN least-squares problem" },
    SettingSpec { key: "weight_smooth", kind: float(0.0, 1e12), default: Value::Float(1.0),
        doc: "weight of the Taylor smoothness rows in the MNN least-squares problem" },
    SettingSpec { key: "l1", kind: float(0.0, 1e6), default: Value::Float(0.0),
        doc: "L1 penalty on `sparse` coefficients added to the loss" },
    SettingSpec { key: "weight_decay", kind: float(0.0, 1e6), default: Value::Float(0.0),
        doc: "L2 penalty on `mlp` weights" },
    SettingSpec { key: "max_terms", kind: Kind::Int { min: 1, max: 1_000_000 }, default: Value::Int(1000),
        doc: "largest number of candidate terms one basis may generate (a guard against exploding libraries)" },
    SettingSpec { key: "validation", kind: float(0.0, 0.9), default: Value::Float(0.0),
        doc: "fraction of each trajectory's end held out for validation" },
    SettingSpec { key: "seed", kind: Kind::Int { min: 0, max: i64::MAX }, default: Value::Int(0),
        doc: "seed of every random draw of training (`mechc run --seed` overrides it)" },
    SettingSpec { key: "device", kind: Kind::Word(&["cpu", "cuda"]), default: Value::Word("cpu"),
        doc: "where tensors live" },
    SettingSpec { key: "verbose", kind: Kind::Bool, default: Value::Bool(false),
        doc: "print the loss every epoch" },
];

/// Looks a key up in the schema.
pub fn spec(key: &str) -> Option<&'static SettingSpec> {
    SCHEMA.iter().find(|s| s.key == key)
}

/// The resolved settings: every schema key with the user's value or the default.
#[derive(Debug, Clone, PartialEq)]
pub struct FitSettings {
    pub values: BTreeMap<&'static str, Value>,
    /// Keys the user wrote explicitly (e.g. an explicit `max_terms` lifts the basis-size guard).
    pub explicit: Vec<&'static str>,
}

impl Default for FitSettings {
    fn default() -> FitSettings {
        FitSettings { values: SCHEMA.iter().map(|s| (s.key, s.default.clone())).collect(), explicit: Vec::new() }
    }
}

impl FitSettings {
    /// The value of a setting (`None` for a key not in the schema).
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.values.get(key)
    }

    /// An integer setting (0 if the key is not an integer setting).
    pub fn int(&self, key: &str) -> i64 {
        match self.get(key) {
            Some(Value::Int(i)) => *i,
            _ => 0,
        }
    }

    /// A float setting; `None` for `auto` or a non-float key.
    pub fn float(&self, key: &str) -> Option<f64> {
        match self.get(key) {
            Some(Value::Float(x)) => Some(*x),
            _ => None,
        }
    }

    /// A word setting ("" if the key is not a word setting).
    pub fn word(&self, key: &str) -> &'static str {
        match self.get(key) {
            Some(Value::Word(w)) => w,
            _ => "",
        }
    }

    /// Whether the user wrote this key.
    pub fn is_explicit(&self, key: &str) -> bool {
        self.explicit.contains(&key)
    }
}

/// Describes a kind in words ("an integer in 1..=100").
pub fn kind_words(k: &Kind) -> String {
    match k {
        Kind::Word(ws) => format!("one of {}", ws.iter().map(|w| format!("`{w}`")).collect::<Vec<_>>().join(", ")),
        Kind::Int { min, max } if *max == i64::MAX => format!("an integer >= {min}"),
        Kind::Int { min, max } => format!("an integer in {min}..={max}"),
        Kind::Float { min, max, min_open: true } => format!("a number in ({min}, {max}]"),
        Kind::Float { min, max, .. } => format!("a number in [{min}, {max}]"),
        Kind::FloatOrAuto { min, max } => format!("`auto` or a number in [{min}, {max}]"),
        Kind::Bool => "`true` or `false`".to_string(),
    }
}

/// Converts a written value (a number, or a word) into a typed value, or says why not.
pub fn convert(k: &Kind, number: Option<f64>, word: Option<&str>) -> Result<Value, String> {
    match (k, number, word) {
        (Kind::Word(ws), _, Some(w)) => {
            ws.iter().find(|x| **x == w).map(|x| Value::Word(x)).ok_or_else(|| kind_words(k))
        }
        (Kind::Bool, _, Some("true")) => Ok(Value::Bool(true)),
        (Kind::Bool, _, Some("false")) => Ok(Value::Bool(false)),
        (Kind::FloatOrAuto { .. }, _, Some("auto")) => Ok(Value::Auto),
        (Kind::Int { min, max }, Some(x), _) => {
            if x.fract() == 0.0 && x >= *min as f64 && x <= *max as f64 {
                Ok(Value::Int(x as i64))
            } else {
                Err(kind_words(k))
            }
        }
        (Kind::Float { min, max, min_open }, Some(x), _) => {
            let above = if *min_open { x > *min } else { x >= *min };
            if above && x <= *max {
                Ok(Value::Float(x))
            } else {
                Err(kind_words(k))
            }
        }
        (Kind::FloatOrAuto { min, max }, Some(x), _) if x >= *min && x <= *max => Ok(Value::Float(x)),
        _ => Err(kind_words(k)),
    }
}
