//! "Did you mean" support shared by every stage that suggests a name: the edit distance between
//! two strings. The policies (how close is close enough, case sensitivity) stay with their users:
//! `check::scope::suggest` for declared names, `data::csv_error::closest_match` for CSV columns.

/// Levenshtein edit distance between two strings, counted in characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}
