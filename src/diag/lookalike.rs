//! Look-alike identifiers (in the spirit of Unicode TR39): [`skeleton`] maps Cyrillic and Greek
//! letters that look like Latin ones (`х` U+0445 → `x`) to those, so two names that print alike
//! compare equal; [`scripts`] says which of Latin, Greek and Cyrillic a name mixes.

/// The Latin letter a Cyrillic or Greek one looks like, if any.
fn latin_twin(c: char) -> Option<char> {
    Some(match c {
        'а' => 'a',
        'е' => 'e',
        'о' => 'o',
        'р' => 'p',
        'с' => 'c',
        'у' => 'y',
        'х' => 'x',
        'ѕ' => 's',
        'і' => 'i',
        'ј' => 'j',
        'һ' => 'h',
        'ԁ' => 'd',
        'ԛ' => 'q',
        'ԝ' => 'w',
        'А' => 'A',
        'В' => 'B',
        'Е' => 'E',
        'К' => 'K',
        'М' => 'M',
        'Н' => 'H',
        'О' => 'O',
        'Р' => 'P',
        'С' => 'C',
        'Т' => 'T',
        'Х' => 'X',
        'У' => 'Y',
        'І' => 'I',
        'Ј' => 'J',
        'Ѕ' => 'S',
        'α' => 'a',
        'ο' => 'o',
        'ν' => 'v',
        'ρ' => 'p',
        'ι' => 'i',
        'κ' => 'k',
        'υ' => 'u',
        'Α' => 'A',
        'Β' => 'B',
        'Ε' => 'E',
        'Ζ' => 'Z',
        'Η' => 'H',
        'Ι' => 'I',
        'Κ' => 'K',
        'Μ' => 'M',
        'Ν' => 'N',
        'Ο' => 'O',
        'Ρ' => 'P',
        'Τ' => 'T',
        'Υ' => 'Y',
        'Χ' => 'X',
        _ => return None,
    })
}

/// `name` with every look-alike letter replaced by its Latin twin and invisible characters removed.
pub fn skeleton(name: &str) -> String {
    name.chars().filter(|c| !super::excerpt::is_invisible(*c)).map(|c| latin_twin(c).unwrap_or(c)).collect()
}

/// The scripts among Latin, Greek and Cyrillic that the letters of `name` use.
pub fn scripts(name: &str) -> Vec<&'static str> {
    let mut out = Vec::new();
    for c in name.chars().filter(|c| c.is_alphabetic()) {
        let s = match c as u32 {
            0x41..=0x5A | 0x61..=0x7A | 0xC0..=0x24F => "Latin",
            0x370..=0x3FF => "Greek",
            0x400..=0x52F => "Cyrillic",
            _ => continue,
        };
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

/// Whether `name` mixes scripts or hides invisible characters (a `W008` warning).
pub fn suspicious(name: &str) -> bool {
    scripts(name).len() > 1 || name.chars().any(super::excerpt::is_invisible)
}
