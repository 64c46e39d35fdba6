//! Which column of an alarm export holds what: header names in English
//! (including the documented misspelling `Alam Name`) and Chinese, in any
//! order, and the delimiter the header line uses.

use super::delimited::split_header;

/// A column hbdiag reads from an alarm export, or a key of a `Location`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(super) enum Field {
    Id,
    Name,
    Severity,
    Generated,
    Cleared,
    Cause,
    Serial,
    AdditionalInfo,
    Location,
    Host,
    Service,
    Role,
}

/// Header names, normalised by [`normalise`], and the field each names.
/// Columns such as Source, Object or Alarm Status are not read.
const NAMES: &[(&str, Field)] = &[
    ("alarmid", Field::Id),
    ("id", Field::Id),
    ("告警id", Field::Id),
    ("告警编号", Field::Id),
    ("alarmname", Field::Name),
    ("alamname", Field::Name),
    ("name", Field::Name),
    ("告警名称", Field::Name),
    ("severity", Field::Severity),
    ("alarmseverity", Field::Severity),
    ("level", Field::Severity),
    ("级别", Field::Severity),
    ("告警级别", Field::Severity),
    ("generated", Field::Generated),
    ("generatedtime", Field::Generated),
    ("occurtime", Field::Generated),
    ("产生时间", Field::Generated),
    ("发生时间", Field::Generated),
    ("cleared", Field::Cleared),
    ("clearedtime", Field::Cleared),
    ("cleartime", Field::Cleared),
    ("清除时间", Field::Cleared),
    ("alarmcause", Field::Cause),
    ("cause", Field::Cause),
    ("告警原因", Field::Cause),
    ("原因", Field::Cause),
    ("serialnumber", Field::Serial),
    ("serialno", Field::Serial),
    ("流水号", Field::Serial),
    ("序列号", Field::Serial),
    ("additionalinformation", Field::AdditionalInfo),
    ("additionalinfo", Field::AdditionalInfo),
    ("附加信息", Field::AdditionalInfo),
    ("location", Field::Location),
    ("locationinfo", Field::Location),
    ("locationinformation", Field::Location),
    ("定位信息", Field::Location),
    ("hostname", Field::Host),
    ("host", Field::Host),
    ("主机名", Field::Host),
    ("主机名称", Field::Host),
    ("servicename", Field::Service),
    ("service", Field::Service),
    ("服务名", Field::Service),
    ("服务名称", Field::Service),
    ("rolename", Field::Role),
    ("role", Field::Role),
    ("角色名", Field::Role),
    ("角色名称", Field::Role),
];

/// Delimiters a header may use, most specific first.
const DELIMITERS: [char; 3] = ['\t', '|', ','];

impl Field {
    /// The field a header name (or `Location` key) stands for.
    pub(super) fn from_name(name: &str) -> Option<Field> {
        let key = normalise(name);
        NAMES.iter().find(|(n, _)| *n == key).map(|(_, f)| *f)
    }
}

/// Lowercase letters and digits only, so `Alarm ID`, `alarm_id` and
/// `"AlarmId"` compare equal; Chinese characters are kept.
fn normalise(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The layout of one export: its delimiter and the field of each column.
#[derive(Debug)]
pub(super) struct Columns {
    /// The delimiter the header uses, and so every row.
    pub delimiter: char,
    fields: Vec<Option<Field>>,
}

impl Columns {
    /// Reads `text` as a header line: the delimiter that names the most
    /// known columns wins. `None` unless an alarm id column and at least
    /// one other known column are named.
    pub(super) fn detect(text: &str) -> Option<Columns> {
        DELIMITERS
            .iter()
            .filter(|d| text.contains(**d))
            .map(|&delimiter| Columns {
                delimiter,
                fields: split_header(text, delimiter)
                    .iter()
                    .map(|name| Field::from_name(name))
                    .collect(),
            })
            .filter(|c| c.position(Field::Id).is_some())
            .max_by_key(Columns::known)
            .filter(|c| c.known() >= 2)
    }

    /// The value of `field` in a row, trimmed; `None` when the column is
    /// missing or the cell empty.
    pub(super) fn get<'a>(&self, row: &'a [String], field: Field) -> Option<&'a str> {
        let cell = row.get(self.position(field)?)?.trim();
        (!cell.is_empty()).then_some(cell)
    }

    fn position(&self, field: Field) -> Option<usize> {
        self.fields.iter().position(|f| *f == Some(field))
    }

    fn known(&self) -> usize {
        self.fields.iter().flatten().count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_header_with_misspelling_in_any_order() {
        let columns = Columns::detect("Severity,Alam Name,Alarm ID,Generated").unwrap();
        assert_eq!(columns.delimiter, ',');
        let row: Vec<String> = ["Minor", "X", "ALM-45640", "2026-03-01 10:15:22"]
            .map(String::from)
            .to_vec();
        assert_eq!(columns.get(&row, Field::Id), Some("ALM-45640"));
        assert_eq!(columns.get(&row, Field::Name), Some("X"));
        assert_eq!(columns.get(&row, Field::Cleared), None);
    }

    #[test]
    fn chinese_tab_header() {
        let columns =
            Columns::detect("告警ID\t告警名称\t级别\t产生时间\t清除时间\t定位信息").unwrap();
        assert_eq!(columns.delimiter, '\t');
        assert_eq!(columns.known(), 6);
    }

    #[test]
    fn data_lines_are_not_headers() {
        assert!(Columns::detect("ALM-45640,FlinkServer Heartbeat,Minor").is_none());
        assert!(Columns::detect("Alarm ID only").is_none());
    }
}
