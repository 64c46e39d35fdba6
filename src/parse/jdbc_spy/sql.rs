//! What a statement's text says at a glance: its verb and the first table it
//! names, so a signal can ask for "an UPDATE of the master election table"
//! without a SQL parser.

/// Longest statement text kept per call.
pub const MAX_SQL_CHARS: usize = 500;

/// The statement on one line, its runs of whitespace (line breaks of a
/// multi-line statement included) made one space, cut to [`MAX_SQL_CHARS`].
pub fn one_line(sql: &str) -> String {
    let joined = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    super::super::capped(&joined, MAX_SQL_CHARS)
}

/// The statement with its literals (numbers, quoted strings) made `?`: the
/// same statement whatever values a spy filled in, so its repeats are seen.
pub fn shape(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    let mut in_word = false;
    while let Some(c) = chars.next() {
        if c == '\'' {
            for inner in chars.by_ref() {
                if inner == '\'' {
                    break;
                }
            }
            out.push('?');
        } else if c.is_ascii_digit() && !in_word {
            while chars
                .peek()
                .is_some_and(|d| d.is_ascii_digit() || *d == '.')
            {
                chars.next();
            }
            out.push('?');
        } else {
            out.push(c);
        }
        in_word = c.is_alphanumeric() || c == '_';
    }
    out
}

/// The verb, upper case: `UPDATE`, `SELECT`, `INSERT`, `DELETE`, `MERGE`,
/// `CALL`; `None` for text that does not start with a word.
pub fn verb(sql: &str) -> Option<String> {
    let word = sql
        .trim_start_matches(|c: char| c.is_whitespace() || c == '(' || c == '{')
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()?;
    (!word.is_empty()).then(|| word.to_ascii_uppercase())
}

/// The first table the statement names: after `UPDATE`, `INTO`, `FROM`,
/// `JOIN` or `TABLE`, upper case, without quotes or a schema.
pub fn table(sql: &str) -> Option<String> {
    const BEFORE_TABLE: [&str; 5] = ["UPDATE", "INTO", "FROM", "JOIN", "TABLE"];
    let mut words = sql.split_whitespace();
    while let Some(word) = words.next() {
        if BEFORE_TABLE.iter().any(|k| word.eq_ignore_ascii_case(k)) {
            let name = words.next()?;
            let name = name.rsplit('.').next().unwrap_or(name);
            let name: String = name
                .chars()
                .filter(|c| c.is_alphanumeric() || *c == '_' || *c == '$')
                .collect();
            return (!name.is_empty()).then(|| name.to_uppercase());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verb_and_table_of_common_statements() {
        let update = "UPDATE ISP_MASTER_ELECT SET HEARTBEAT_TIME = ? WHERE DOMAIN_NAME = ?";
        assert_eq!(verb(update).as_deref(), Some("UPDATE"));
        assert_eq!(table(update).as_deref(), Some("ISP_MASTER_ELECT"));
        let select = "select n.node_name\n  from \"infa\".\"po_node\" n where 1=1";
        assert_eq!(verb(select).as_deref(), Some("SELECT"));
        assert_eq!(table(select).as_deref(), Some("PO_NODE"));
        assert_eq!(table("insert into t1 values (1)").as_deref(), Some("T1"));
        assert_eq!(verb("{call refresh(?)}").as_deref(), Some("CALL"));
        assert_eq!(verb("  ").as_deref(), None);
        assert_eq!(table("COMMIT"), None);
    }

    #[test]
    fn shape_hides_literals_only() {
        assert_eq!(
            shape("UPDATE T1 SET A = 1773310431096, B = 'node01' WHERE C = 'x''y'"),
            "UPDATE T1 SET A = ?, B = ? WHERE C = ??"
        );
        assert_eq!(
            shape("UPDATE T SET A = ? WHERE B = ?"),
            "UPDATE T SET A = ? WHERE B = ?"
        );
    }

    #[test]
    fn one_line_joins_and_caps() {
        assert_eq!(
            one_line("SELECT a\n  FROM t\n WHERE x = ?"),
            "SELECT a FROM t WHERE x = ?"
        );
        assert_eq!(
            one_line(&"x".repeat(900)).chars().count(),
            MAX_SQL_CHARS + 1
        );
    }
}
