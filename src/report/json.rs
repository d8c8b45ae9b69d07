//! The report as JSON: a [`Report`] → a pretty-printed JSON document with the equations (as
//! terms with coefficients and as `.mech` strings), fitted parameters, metrics, rollout quality
//! and the threshold path; written atomically by [`write_json`].

use super::summary::Report;
use crate::files::write_atomic;
use std::path::Path;

/// The report as a JSON string.
pub fn to_json(report: &Report) -> Result<String, serde_json::Error> {
    let mut v = serde_json::to_value(report)?;
    // Parameter and metric pairs read better as objects keyed by name.
    for key in ["params", "params_per_trajectory", "rmse", "noise"] {
        if let Some(serde_json::Value::Array(items)) = v.get(key).cloned() {
            let obj: serde_json::Map<String, serde_json::Value> = items
                .into_iter()
                .filter_map(|p| match p {
                    serde_json::Value::Array(mut kv) if kv.len() == 2 => {
                        let val = kv.pop()?;
                        Some((kv.pop()?.as_str()?.to_string(), val))
                    }
                    _ => None,
                })
                .collect();
            v[key] = serde_json::Value::Object(obj);
        }
    }
    serde_json::to_string_pretty(&v)
}

/// Writes the JSON report to `path` atomically.
pub fn write_json(report: &Report, path: &Path) -> std::io::Result<()> {
    let text = to_json(report).map_err(std::io::Error::other)?;
    write_atomic(path, format!("{text}\n").as_bytes())
}
