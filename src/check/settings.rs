//! The `fit { ... }` settings: one table ([`SCHEMA`]) of key, type, range, default, the methods
//! under which the setting acts, documentation, and the typed field it fills. The checker reads
//! it (unknown keys and bad values are errors, settings the chosen method does not read are
//! `W004`), and so do `mechc explain fit` and the README. Input: written values; output: the
//! typed [`FitSettings`] with every default filled in, which is all later stages read.

/// The training method (`fit { method = ... }`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Joint Gauss–Newton fit of a learned trajectory and the coefficients (trapezoid collocation).
    Collocation,
    /// Classic SINDy: smoothed derivatives and sequentially thresholded least squares.
    Sindy,
    /// Gradient training through the S-MNN solver layer on windows.
    Mnn,
}

impl Method {
    /// Every method, in the order the documentation lists them.
    pub const ALL: [Method; 3] = [Method::Collocation, Method::Sindy, Method::Mnn];

    /// The word written in `fit { method = ... }`.
    pub fn name(self) -> &'static str {
        match self {
            Method::Collocation => "collocation",
            Method::Sindy => "sindy",
            Method::Mnn => "mnn",
        }
    }
}

/// `threshold = auto | <number>`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Threshold {
    /// The method chooses the support (see the `threshold` documentation).
    Auto,
    /// Terms below this level are dropped each round.
    Level(f64),
}

/// What a numeric threshold compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThresholdScale {
    /// `|c| · rms(term) / rms(derivative)`.
    Normalised,
    /// `|c|`.
    Raw,
}

/// The collocation rule of `method = collocation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Hermite–Simpson with a midpoint per sub-interval (fourth order).
    HermiteSimpson,
    /// The trapezoid rule (second order).
    Trapezoid,
}

/// Starting point of `mnn` training.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Init {
    /// The collocation fit's result.
    Collocation,
    /// Random coefficients (seeded), the denoised trajectory at the smoothed data.
    Random,
}

/// Where `mnn` tensors live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Device {
    /// The CPU (the only backend of this build).
    Cpu,
    /// An NVIDIA GPU (no backend in this build: refused by the checker).
    Cuda,
}

/// The resolved settings, typed; every field holds the user's value or the default.
#[derive(Debug, Clone, PartialEq)]
pub struct FitSettings {
    pub method: Method,
    pub epochs: usize,
    pub lr: f64,
    pub threshold: Threshold,
    pub threshold_scale: ThresholdScale,
    pub rounds: usize,
    /// The collocation rule.
    pub rule: Rule,
    /// Sub-intervals per data interval; `None` = chosen from the data.
    pub substeps: Option<usize>,
    /// Time points per window; `None` = chosen from the data's time scale.
    pub window: Option<usize>,
    /// Time points between window starts; `None` = half a window.
    pub stride: Option<usize>,
    pub batch: usize,
    pub weight_equation: f64,
    pub weight_init: f64,
    pub weight_smooth: f64,
    pub l1: f64,
    pub weight_decay: f64,
    pub max_terms: usize,
    pub validation: f64,
    pub seed: u64,
    /// Bootstrap refits after the main fit (0: none).
    pub ensemble: usize,
    pub init: Init,
    pub device: Device,
    pub verbose: bool,
    /// Keys the user wrote explicitly (e.g. an explicit `max_terms` lifts the basis-size guard).
    pub explicit: Vec<&'static str>,
    /// Why `method` is what it is when the pipeline chose it (neural terms, `method` not
    /// written); `None` when written or not chosen.
    pub method_reason: Option<String>,
}

/// The type and allowed range of a setting.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// One of the listed words.
    Word(&'static [&'static str]),
    /// An integer in `min..=max`.
    Int { min: i64, max: i64 },
    /// An integer as above, or the word `auto`.
    IntOrAuto { min: i64, max: i64 },
    /// A float in `[min, max]` (`min_open`: the minimum itself is excluded).
    Float { min: f64, max: f64, min_open: bool },
    /// A float as above, or the word `auto`.
    FloatOrAuto { min: f64, max: f64 },
    /// `true` or `false`.
    Bool,
}

/// A setting value as written (after conversion and range checks).
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

impl Value {
    fn int(&self) -> i64 {
        match self {
            Value::Int(i) => *i,
            _ => 0,
        }
    }
    fn float(&self) -> f64 {
        match self {
            Value::Float(x) => *x,
            Value::Int(i) => *i as f64,
            _ => 0.0,
        }
    }
    fn count(&self) -> usize {
        usize::try_from(self.int().max(0)).unwrap_or(usize::MAX)
    }
    fn auto_or_count(&self) -> Option<usize> {
        match self {
            Value::Auto => None,
            v => Some(v.count()),
        }
    }
    fn word(&self) -> &'static str {
        match self {
            Value::Word(w) => w,
            _ => "",
        }
    }
}

/// One row of the schema: how a setting is written, its default, where it acts, and the typed
/// field it fills (`set`) and reads back (`get`, for printing the resolved settings).
pub struct SettingSpec {
    pub key: &'static str,
    pub kind: Kind,
    pub default: Value,
    /// Methods that read the setting; written under any other method it draws `W004`.
    pub acts: &'static [Method],
    pub doc: &'static str,
    pub set: fn(&mut FitSettings, &Value),
    pub get: fn(&FitSettings) -> Value,
}

impl std::fmt::Debug for SettingSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SettingSpec").field("key", &self.key).field("default", &self.default).finish()
    }
}

impl SettingSpec {
    /// Whether the setting acts under `method`.
    pub fn acts_under(&self, method: Method) -> bool {
        self.acts.contains(&method)
    }

    /// The methods it acts under, in words (`` `mnn` ``, `` `sindy` and `mnn` ``, `every method`,
    /// `no method`), each method written as `prefix` followed by its name.
    pub fn acts_words(&self, prefix: &str) -> String {
        if self.acts.len() == Method::ALL.len() {
            return "every method".into();
        }
        let names: Vec<String> = self.acts.iter().map(|m| format!("`{prefix}{}`", m.name())).collect();
        match names.len() {
            0 => "no method".into(),
            1 => names[0].clone(),
            _ => format!("{} and {}", names[..names.len() - 1].join(", "), names[names.len() - 1]),
        }
    }
}

const fn float(min: f64, max: f64) -> Kind {
    Kind::Float { min, max, min_open: false }
}
const fn positive(max: f64) -> Kind {
    Kind::Float { min: 0.0, max, min_open: true }
}

const ALL: &[Method] = &Method::ALL;
const MNN: &[Method] = &[Method::Mnn];
const COLLOCATION_MNN: &[Method] = &[Method::Collocation, Method::Mnn];
const SINDY_MNN: &[Method] = &[Method::Sindy, Method::Mnn];

fn word_to_method(w: &str) -> Method {
    Method::ALL.into_iter().find(|m| m.name() == w).unwrap_or(Method::Collocation)
}

/// Every `fit` setting. Add new keys here; the checker, `mechc explain fit` and the README follow.
pub static SCHEMA: &[SettingSpec] = &[
    SettingSpec { key: "method", kind: Kind::Word(&["collocation", "sindy", "mnn"]), default: Value::Word("collocation"), acts: ALL,
        doc: "training method: `collocation` fits a learned denoised trajectory jointly with the coefficients by Gauss-Newton on Hermite-Simpson collocation (the most accurate); `sindy` is classic SINDy, least squares of smoothed derivatives with sequential thresholding (milliseconds, a baseline); `mnn` trains through the S-MNN solver layer on windows with Adam on candle tensors",
        set: |s, v| s.method = word_to_method(v.word()), get: |s| Value::Word(s.method.name()) },
    SettingSpec { key: "epochs", kind: Kind::Int { min: 1, max: 1_000_000 }, default: Value::Int(400), acts: MNN,
        doc: "Adam passes over all training windows per threshold round",
        set: |s, v| s.epochs = v.count(), get: |s| Value::Int(s.epochs as i64) },
    SettingSpec { key: "lr", kind: positive(10.0), default: Value::Float(0.05), acts: MNN,
        doc: "Adam learning rate at the start of every round, decaying by a cosine to 1% of it at the round's end; steps are in each unknown's units (coefficients in coordinates where the loss's curvature is the identity, parameters in tenths of their range or their size, the denoised trajectory in tenths of the noise level)",
        set: |s, v| s.lr = v.float(), get: |s| Value::Float(s.lr) },
    SettingSpec { key: "threshold", kind: Kind::FloatOrAuto { min: 0.0, max: 1e6 }, default: Value::Auto, acts: ALL,
        doc: "level below which `sparse` terms are dropped each round (compared as `threshold_scale` says; `collocation` always compares normalised magnitudes); `auto`: `collocation` and `sindy` walk a backward-elimination path and keep the level with the lowest BIC, `mnn` takes the support the collocation path selects",
        set: |s, v| s.threshold = match v { Value::Auto => Threshold::Auto, v => Threshold::Level(v.float()) },
        get: |s| match s.threshold { Threshold::Auto => Value::Auto, Threshold::Level(x) => Value::Float(x) } },
    SettingSpec { key: "threshold_scale", kind: Kind::Word(&["normalised", "raw"]), default: Value::Word("normalised"), acts: SINDY_MNN,
        doc: "what a numeric `threshold` compares: `normalised` magnitudes (|coefficient| x rms(term) / rms(derivative), so coefficients of terms of different size compare fairly) or `raw` |coefficient|",
        set: |s, v| s.threshold_scale = if v.word() == "raw" { ThresholdScale::Raw } else { ThresholdScale::Normalised },
        get: |s| Value::Word(match s.threshold_scale { ThresholdScale::Raw => "raw", ThresholdScale::Normalised => "normalised" }) },
    SettingSpec { key: "rounds", kind: Kind::Int { min: 0, max: 100 }, default: Value::Int(4), acts: ALL,
        doc: "threshold-and-refit rounds for a numeric threshold (0 fits once without thresholding); under `mnn` every round trains `epochs` more epochs",
        set: |s, v| s.rounds = v.count(), get: |s| Value::Int(s.rounds as i64) },
    SettingSpec { key: "rule", kind: Kind::Word(&["hermite_simpson", "trapezoid"]), default: Value::Word("hermite_simpson"), acts: COLLOCATION_MNN,
        doc: "collocation rule that ties the learned trajectory to the model between grid points: `hermite_simpson` (fourth order, a midpoint per sub-interval) or `trapezoid` (second order: coarse data bias the coefficients); under `mnn`, of the collocation fit it starts from or takes its support from",
        set: |s, v| s.rule = if v.word() == "trapezoid" { Rule::Trapezoid } else { Rule::HermiteSimpson },
        get: |s| Value::Word(match s.rule { Rule::Trapezoid => "trapezoid", Rule::HermiteSimpson => "hermite_simpson" }) },
    SettingSpec { key: "substeps", kind: Kind::IntOrAuto { min: 1, max: 64 }, default: Value::Auto, acts: COLLOCATION_MNN,
        doc: "sub-intervals of each data interval (latent points between observations); `auto` gives each interval enough that the rule's error, estimated from differences of the smoothed data, stays a tenth of the noise scale (at most 16); under `mnn`, of the collocation fit it starts from or takes its support from",
        set: |s, v| s.substeps = v.auto_or_count(), get: |s| s.substeps.map_or(Value::Auto, |k| Value::Int(k as i64)) },
    SettingSpec { key: "window", kind: Kind::IntOrAuto { min: 3, max: 100_000 }, default: Value::Auto, acts: MNN,
        doc: "time points per training window; `auto` spans half a characteristic period (pi x std(x) / rms(x') of the fastest state) and at least 8 points; each trajectory needs at least this many rows",
        set: |s, v| s.window = v.auto_or_count(), get: |s| s.window.map_or(Value::Auto, |w| Value::Int(w as i64)) },
    SettingSpec { key: "stride", kind: Kind::IntOrAuto { min: 1, max: 100_000 }, default: Value::Auto, acts: MNN,
        doc: "time points between window starts; `auto` is half a window",
        set: |s, v| s.stride = v.auto_or_count(), get: |s| s.stride.map_or(Value::Auto, |w| Value::Int(w as i64)) },
    SettingSpec { key: "batch", kind: Kind::Int { min: 1, max: 1_000_000 }, default: Value::Int(32), acts: MNN,
        doc: "windows per Adam step (windows are shuffled every epoch)",
        set: |s, v| s.batch = v.count(), get: |s| Value::Int(s.batch as i64) },
    SettingSpec { key: "weight_equation", kind: positive(1e12), default: Value::Float(1.0), acts: MNN,
        doc: "weight of the ODE equation rows in each window's S-MNN least-squares problem (the smoothness rows scale with powers of the step, so at small steps the row weights change the fit only when they differ by orders of magnitude)",
        set: |s, v| s.weight_equation = v.float(), get: |s| Value::Float(s.weight_equation) },
    SettingSpec { key: "weight_init", kind: positive(1e12), default: Value::Float(1.0), acts: MNN,
        doc: "weight of the initial-value rows in each window's S-MNN least-squares problem",
        set: |s, v| s.weight_init = v.float(), get: |s| Value::Float(s.weight_init) },
    SettingSpec { key: "weight_smooth", kind: positive(1e12), default: Value::Float(1.0), acts: MNN,
        doc: "weight of the Taylor smoothness rows in each window's S-MNN least-squares problem",
        set: |s, v| s.weight_smooth = v.float(), get: |s| Value::Float(s.weight_smooth) },
    SettingSpec { key: "l1", kind: float(0.0, 1e6), default: Value::Float(0.0), acts: MNN,
        doc: "L1 penalty on the normalised `sparse` coefficients, added to the loss per data point",
        set: |s, v| s.l1 = v.float(), get: |s| Value::Float(s.l1) },
    SettingSpec { key: "weight_decay", kind: float(0.0, 1e6), default: Value::Float(0.0), acts: COLLOCATION_MNN,
        doc: "L2 penalty on `mlp` weights, added to the loss per data point (`collocation`) or per window cell (`mnn`) as `weight_decay * sum of squared weights`",
        set: |s, v| s.weight_decay = v.float(), get: |s| Value::Float(s.weight_decay) },
    SettingSpec { key: "max_terms", kind: Kind::Int { min: 1, max: 1_000_000 }, default: Value::Int(1000), acts: ALL,
        doc: "largest number of candidate terms one basis may generate (a guard against exploding libraries)",
        set: |s, v| s.max_terms = v.count(), get: |s| Value::Int(s.max_terms as i64) },
    SettingSpec { key: "validation", kind: float(0.0, 0.9), default: Value::Float(0.0), acts: ALL,
        doc: "fraction of each trajectory's end held out of training; under `collocation` and `sindy` the report scores the discovered model on it (a rollout from the end of training against the raw held-out data: rms error beside the noise floor, valid time); under `mnn` its windows score the model after every epoch, and each round keeps the epoch with the lowest held-out loss; in a model with an encoder, that fraction of the trajectories (a seeded draw) is held out whole, scored after every epoch, and the report compares their inferred parameters with the truth",
        set: |s, v| s.validation = v.float(), get: |s| Value::Float(s.validation) },
    SettingSpec { key: "seed", kind: Kind::Int { min: 0, max: i64::MAX }, default: Value::Int(0), acts: ALL,
        doc: "seed of every random draw of training: the window order, the coefficients of `init = random` and the resamples of `ensemble` (`mechc run --seed` overrides it); `collocation` and `sindy` make random draws only with `ensemble`",
        set: |s, v| s.seed = v.int().max(0) as u64, get: |s| Value::Int(s.seed as i64) },
    SettingSpec { key: "ensemble", kind: Kind::Int { min: 0, max: 1000 }, default: Value::Int(0), acts: ALL,
        doc: "bootstrap refits after the fit (0: none): each resamples the data (whole trajectories when there are at least 10, else blocks of one characteristic period cut from the trajectories), seeded from `seed`, and refits with the same method and settings; the report gives each `sparse` term's inclusion probability and 2.5–97.5 percentile intervals of the coefficients and shared parameters",
        set: |s, v| s.ensemble = v.count(), get: |s| Value::Int(s.ensemble as i64) },
    SettingSpec { key: "init", kind: Kind::Word(&["collocation", "random"]), default: Value::Word("collocation"), acts: MNN,
        doc: "starting point of `mnn` training: `collocation` (the collocation fit's coefficients, parameters and denoised trajectory) or `random` (seeded random coefficients, the denoised trajectory at the smoothed data)",
        set: |s, v| s.init = if v.word() == "random" { Init::Random } else { Init::Collocation },
        get: |s| Value::Word(match s.init { Init::Random => "random", Init::Collocation => "collocation" }) },
    SettingSpec { key: "device", kind: Kind::Word(&["cpu", "cuda"]), default: Value::Word("cpu"), acts: MNN,
        doc: "where `mnn` tensors live; `cuda` is refused (E045): this build has no CUDA backend",
        set: |s, v| s.device = if v.word() == "cuda" { Device::Cuda } else { Device::Cpu },
        get: |s| Value::Word(match s.device { Device::Cuda => "cuda", Device::Cpu => "cpu" }) },
    SettingSpec { key: "verbose", kind: Kind::Bool, default: Value::Bool(false), acts: ALL,
        doc: "print every progress report (round, iteration or epoch, loss, terms) to stderr",
        set: |s, v| s.verbose = matches!(v, Value::Bool(true)), get: |s| Value::Bool(s.verbose) },
];

/// Looks a key up in the schema.
pub fn spec(key: &str) -> Option<&'static SettingSpec> {
    SCHEMA.iter().find(|s| s.key == key)
}

impl Default for FitSettings {
    fn default() -> FitSettings {
        let mut s = FitSettings {
            method: Method::Collocation,
            epochs: 0,
            lr: 0.0,
            threshold: Threshold::Auto,
            threshold_scale: ThresholdScale::Normalised,
            rounds: 0,
            rule: Rule::HermiteSimpson,
            substeps: None,
            window: None,
            stride: None,
            batch: 0,
            weight_equation: 0.0,
            weight_init: 0.0,
            weight_smooth: 0.0,
            l1: 0.0,
            weight_decay: 0.0,
            max_terms: 0,
            validation: 0.0,
            seed: 0,
            ensemble: 0,
            init: Init::Collocation,
            device: Device::Cpu,
            verbose: false,
            explicit: Vec::new(),
            method_reason: None,
        };
        for spec in SCHEMA {
            (spec.set)(&mut s, &spec.default);
        }
        s
    }
}

impl FitSettings {
    /// Sets one setting from its checked value and records it as written.
    pub fn set(&mut self, spec: &'static SettingSpec, v: &Value) {
        (spec.set)(self, v);
        if !self.explicit.contains(&spec.key) {
            self.explicit.push(spec.key);
        }
    }

    /// Every setting with its resolved value, in schema order (for printing).
    pub fn values(&self) -> Vec<(&'static str, Value)> {
        SCHEMA.iter().map(|s| (s.key, (s.get)(self))).collect()
    }

    /// Whether the fit reads `spec` under these settings: the schema's methods, narrowed where a
    /// method reads a setting only in some configurations (`threshold_scale` only for a numeric
    /// threshold; under `mnn`, the collocation settings only when a collocation fit runs, for
    /// `init = collocation` or `threshold = auto`).
    pub fn reads(&self, spec: &SettingSpec) -> bool {
        if !spec.acts_under(self.method) {
            return false;
        }
        match spec.key {
            "threshold_scale" => matches!(self.threshold, Threshold::Level(_)),
            "seed" if self.method != Method::Mnn => self.ensemble > 0,
            "rule" | "substeps" if self.method == Method::Mnn => {
                self.init == Init::Collocation || self.threshold == Threshold::Auto
            }
            _ => true,
        }
    }

    /// Whether the fit of a model with fields reads the setting: field models are fitted by the
    /// `sindy` engine (the settings it reads act as under `method = sindy`) and make no bootstrap
    /// refits, so `ensemble` and the `seed` of its draws have no effect. `validation` counts as
    /// read: it is refused for fields with `E080` instead.
    pub fn reads_for_fields(&self, spec: &SettingSpec) -> bool {
        match spec.key {
            "method" | "validation" => true,
            "ensemble" | "seed" => false,
            "threshold_scale" => matches!(self.threshold, Threshold::Level(_)),
            _ => spec.acts_under(Method::Sindy),
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
        Kind::IntOrAuto { min, max } => format!("`auto` or an integer in {min}..={max}"),
        Kind::Float { min, max, min_open: true } => format!("a number in ({min}, {max}]"),
        Kind::Float { min, max, .. } => format!("a number in [{min}, {max}]"),
        Kind::FloatOrAuto { min, max } => format!("`auto` or a number in [{min}, {max}]"),
        Kind::Bool => "`true` or `false`".to_string(),
    }
}

/// Converts a written value (a number, or a word) into a typed value, or says why not.
pub fn convert(k: &Kind, number: Option<f64>, word: Option<&str>) -> Result<Value, String> {
    let int_in = |x: f64, min: i64, max: i64| x.fract() == 0.0 && x >= min as f64 && x <= max as f64;
    match (k, number, word) {
        (Kind::Word(ws), _, Some(w)) => {
            ws.iter().find(|x| **x == w).map(|x| Value::Word(x)).ok_or_else(|| kind_words(k))
        }
        (Kind::Bool, _, Some("true")) => Ok(Value::Bool(true)),
        (Kind::Bool, _, Some("false")) => Ok(Value::Bool(false)),
        (Kind::FloatOrAuto { .. } | Kind::IntOrAuto { .. }, _, Some("auto")) => Ok(Value::Auto),
        (Kind::Int { min, max } | Kind::IntOrAuto { min, max }, Some(x), _) if int_in(x, *min, *max) => {
            Ok(Value::Int(x as i64))
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
