//! Amortised parameters (`encoder enc = mlp(...)`, `param r per trajectory from enc`): the
//! training loss's gradient through the encoder, the kernel op and the S-MNN layer against
//! central differences; `examples/logistic_amortised.mech` at a reduced size recovering the
//! held-out trajectories' r and k against the values that generated them; `mechc predict
//! --weights` on new trajectories against theirs.

use candle_core::{Device, Tensor};
use mechc::fit::mnn::Amortised;
use mechc::fit::FitInput;
use mechc::pipeline::{train, Prepared, TrainOptions};
use std::path::PathBuf;

use crate::bin::mechc;

fn tmp(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("amortised");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// The example with `from` replaced by `to` in each pair (each must occur).
fn example_with(edits: &[(&str, &str)]) -> String {
    let mut text = std::fs::read_to_string("examples/logistic_amortised.mech").unwrap();
    for (from, to) in edits {
        assert!(text.contains(from), "the example has no `{from}`");
        text = text.replace(from, to);
    }
    text
}

fn prepared(name: &str, text: &str) -> Prepared {
    let path = tmp(name);
    std::fs::write(&path, text).unwrap();
    let (_, p) = crate::run::prepare(path.to_str().unwrap());
    p.unwrap_or_else(|_| panic!("{name} prepares"))
}

/// The median of `|inferred − truth| / truth` of parameter `name` over trajectories `ks`.
fn median_error(p: &Prepared, values: &[f64], ks: &[usize], name: &str) -> f64 {
    let mut e: Vec<f64> = ks
        .iter()
        .map(|&k| {
            let truth = p.data.trajectories[k].truth.as_ref().unwrap();
            let t = truth.params.iter().find(|(n, _)| n == name).unwrap().1;
            ((values[k] - t) / t).abs()
        })
        .collect();
    e.sort_by(f64::total_cmp);
    let n = e.len();
    if n % 2 == 1 {
        e[n / 2]
    } else {
        0.5 * (e[n / 2 - 1] + e[n / 2])
    }
}

/// Loss gradient by candle's autograd (encoder layers, kernel op, S-MNN solver op) against
/// central differences, for entries of every layer and for a shared parameter. A model with `k`
/// shared, so the shared parameters' path is exercised too.
#[test]
fn encoder_gradient_matches_central_differences() {
    let text = example_with(&[
        ("param k in (0.1, 10) per trajectory from enc", "param k = 2.5 in (0.1, 10)"),
        ("trajectories 5000", "trajectories 12"),
        ("hidden = [64, 64]", "hidden = [16, 8]"),
    ]);
    let p = prepared("gradient.mech", &text);
    let input = FitInput { ir: &p.ir, model: &p.model, data: &p.data, seed: 3, cancel: None, progress: None };
    let a = Amortised::new(&input).unwrap();
    let batch: Vec<usize> = a.train.clone();
    let loss_at = || a.loss(&batch).unwrap().to_scalar::<f64>().unwrap();
    let grads = a.loss(&batch).unwrap().backward().unwrap();
    let vars = a.vars();
    assert_eq!(vars.len(), 7, "three layers' weights and biases, then the shared parameters");
    let mut checked = 0;
    for v in &vars {
        let g = grads.get(v.as_tensor()).unwrap().flatten_all().unwrap().to_vec1::<f64>().unwrap();
        let base = v.as_tensor().flatten_all().unwrap().to_vec1::<f64>().unwrap();
        let shape = v.as_tensor().dims().to_vec();
        let scale = g.iter().fold(0.0f64, |m, x| m.max(x.abs()));
        let n = base.len();
        for i in [0, n / 3, n - 1] {
            let h = 1e-6 * base[i].abs().max(1.0);
            let at = |x: f64| {
                let mut b = base.clone();
                b[i] = x;
                v.set(&Tensor::from_vec(b, shape.as_slice(), &Device::Cpu).unwrap()).unwrap();
                loss_at()
            };
            let fd = (at(base[i] + h) - at(base[i] - h)) / (2.0 * h);
            v.set(&Tensor::from_vec(base.clone(), shape.as_slice(), &Device::Cpu).unwrap()).unwrap();
            assert!((g[i] - fd).abs() <= 1e-5 * scale.max(fd.abs()).max(1e-8), "entry {i}: autograd {} vs {fd}", g[i]);
            checked += 1;
        }
    }
    // The shared `k` (entry 1 of the shared parameters) acts: its gradient is not zero.
    let shared = grads.get(vars[6].as_tensor()).unwrap().to_vec1::<f64>().unwrap();
    assert!(shared[1].abs() > 0.0 && shared[0] == 0.0, "{shared:?}");
    assert_eq!(checked, 21);
}

/// The published setup at 500 trajectories and 300 epochs (the example: 5,000 and 100): held-out median relative
/// errors of r and k within the acceptance bound of 5%, computed against the generating values;
/// the report's table and medians say the same; then the saved weights infer the parameters of
/// 100 new trajectories (another seed) through `mechc predict`, within 5% too.
#[test]
fn logistic_amortised_recovers_held_out_and_new_trajectories() {
    let text = example_with(&[("trajectories 5000", "trajectories 500"), ("epochs = 100", "epochs = 300")]);
    let p = prepared("amortised.mech", &text);
    let fitted = train(&p, &TrainOptions { seed: Some(0), ..TrainOptions::default() }).unwrap();
    let enc = fitted.encoders.as_ref().unwrap();
    assert_eq!((enc.train.len(), enc.validation.len()), (400, 100));
    let (r, k) = (&fitted.per_trajectory[0], &fitted.per_trajectory[1]);
    let (er, ek) = (median_error(&p, r, &enc.validation, "r"), median_error(&p, k, &enc.validation, "k"));
    assert!(er <= 0.05 && ek <= 0.05, "held-out median relative errors r {er}, k {ek}");
    let report = mechc::report::amortised::build(&p.model, &p.data, &fitted).unwrap();
    assert_eq!(report.median_relative_error, vec![("r".to_string(), er), ("k".to_string(), ek)]);
    let mut shown = String::new();
    report.text(&mut shown, 3);
    let shown: Vec<&str> = shown.lines().filter(|l| !l.contains("per epoch")).take(6).collect();
    insta::assert_snapshot!("logistic_amortised_held_out", shown.join("\n"));

    let weights = tmp("amortised.safetensors");
    enc.weights.save(&weights).unwrap();
    let new_text = example_with(&[("trajectories 5000", "trajectories 100"), ("seed 1", "seed 7")]);
    let new = prepared("new.mech", &new_text);
    let csv = tmp("new.csv");
    mechc::data::write_csv(&new.data, &csv, "t").unwrap();
    let (code, out, err) = mechc(&[
        "predict",
        "examples/logistic_amortised.mech",
        "--weights",
        weights.to_str().unwrap(),
        "--data",
        csv.to_str().unwrap(),
        "--json",
        "-",
    ]);
    assert_eq!(code, 0, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let rows = doc["trajectories"].as_array().unwrap();
    assert_eq!(rows.len(), 100);
    let value = |name: &str| -> Vec<f64> {
        new.data
            .trajectories
            .iter()
            .map(|tr| {
                let row = rows.iter().find(|r| r["trajectory"] == tr.label.as_str()).unwrap();
                row["params"][name].as_f64().unwrap()
            })
            .collect()
    };
    let all: Vec<usize> = (0..100).collect();
    let (nr, nk) = (median_error(&new, &value("r"), &all, "r"), median_error(&new, &value("k"), &all, "k"));
    assert!(nr <= 0.05 && nk <= 0.05, "new trajectories' median relative errors r {nr}, k {nk}");
}

/// `mechc predict --weights` refuses weights that do not fit the declaration, and a model
/// without an encoder, with exit 1 and a message.
#[test]
fn predict_refuses_weights_of_another_shape() {
    let p = prepared("shape.mech", &example_with(&[("trajectories 5000", "trajectories 3")]));
    let csv = tmp("shape.csv");
    mechc::data::write_csv(&p.data, &csv, "t").unwrap();
    let mut w = mechc::fit::mnn::EncoderWeights::default();
    w.tensors.push(("enc.points".into(), vec![1], vec![60.0]));
    w.tensors.push(("enc.feature_mean".into(), vec![61], vec![0.0; 61]));
    w.tensors.push(("enc.feature_std".into(), vec![61], vec![1.0; 61]));
    w.tensors.push(("enc.layer0.weight".into(), vec![32, 61], vec![0.0; 32 * 61]));
    let path = tmp("shape.safetensors");
    w.save(&path).unwrap();
    let args =
        |model: &str| mechc(&["predict", model, "--weights", path.to_str().unwrap(), "--data", csv.to_str().unwrap()]);
    let (code, _, err) = args("examples/logistic_amortised.mech");
    assert_eq!(code, 1);
    assert!(err.contains("`enc.layer0.weight` has shape [32, 61]; the declaration needs [64, 61]"), "{err}");
    let (code, _, err) = args("examples/logistic.mech");
    assert_eq!(code, 1);
    assert!(err.contains("no encoder"), "{err}");
}
