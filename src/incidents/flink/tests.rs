use super::*;

#[test]
fn spans_read_like_a_person_wrote_them() {
    assert_eq!(span(Duration::seconds(45)), "45 s");
    assert_eq!(span(Duration::seconds(343)), "5 min 43 s");
    assert_eq!(span(Duration::seconds(120)), "2 min");
    assert_eq!(span(Duration::seconds(-3)), "0 s");
}
