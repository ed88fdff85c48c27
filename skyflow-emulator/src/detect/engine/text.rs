//! Small text helpers shared by the recognizers: word characters and context windows.

/// Letters, digits and `_` (any script) form words.
pub(crate) fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The byte offset where the window of `n` words before `start` begins.
pub(crate) fn words_before(text: &str, start: usize, n: usize) -> usize {
    let mut pos = start;
    let mut words = 0;
    let mut in_word = false;
    for (i, c) in text[..start].char_indices().rev() {
        if is_word_char(c) {
            in_word = true;
            pos = i;
        } else if in_word {
            words += 1;
            in_word = false;
            if words == n {
                return pos;
            }
        }
        // Bound the scan: context never reaches further back than a few hundred bytes.
        if start - i > 200 {
            return pos;
        }
    }
    if in_word { 0 } else { pos.min(start) }
}

/// The byte offset where the window of `n` words after `end` ends.
pub(crate) fn words_after(text: &str, end: usize, n: usize) -> usize {
    if n == 0 {
        return end;
    }
    let mut words = 0;
    let mut in_word = false;
    for (i, c) in text[end..].char_indices() {
        if is_word_char(c) {
            in_word = true;
        } else if in_word {
            words += 1;
            in_word = false;
            if words == n {
                return end + i;
            }
        }
        if i > 200 {
            return end + i;
        }
    }
    text.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows() {
        let t = "my social security number: 123";
        let s = t.find("123").unwrap();
        assert_eq!(&t[words_before(t, s, 2)..s], "security number: ");
        assert_eq!(&t[words_before(t, s, 10)..s], "my social security number: ");
        let t = "123 is my card, ok";
        assert_eq!(&t[3..words_after(t, 3, 2)], " is my");
        assert_eq!(&t[3..words_after(t, 3, 9)], " is my card, ok");
    }
}
