//! Field data as long-form CSV text: `trajectory` when there are several, `t`, the space
//! variable, then the fields; one row per time and grid point, numbers in the shortest form that
//! reads back to the same float64 (so a file written here and read by [`super::load_csv`] gives
//! the same values). `mechc simulate` and `mechc bench pde` write through it.

use super::FieldData;

/// The long-form CSV text of `data` over the space variable `space`, and its number of rows.
pub fn long_form(data: &FieldData, space: &str) -> (String, usize) {
    let several = data.trajectories.len() > 1;
    let mut text = String::new();
    if several {
        text.push_str("trajectory,");
    }
    text.push_str(&format!("t,{space},{}\n", data.fields.join(",")));
    let mut rows = 0;
    for tr in &data.trajectories {
        for (i, t) in tr.t.iter().enumerate() {
            for (j, x) in tr.x.iter().enumerate() {
                if several {
                    text.push_str(&format!("{},", tr.label));
                }
                let vals: Vec<String> = tr.u.iter().map(|u| format!("{:e}", u[i * tr.nx() + j])).collect();
                text.push_str(&format!("{t:e},{x:e},{}\n", vals.join(",")));
                rows += 1;
            }
        }
    }
    (text, rows)
}
