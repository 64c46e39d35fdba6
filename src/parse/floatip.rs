//! Huawei MRS HA floating-IP script log
//! (`/var/log/Bigdata/omm/oms/ha/scriptlog/floatip.log`):
//! `2017-12-09 04:10:51,000 INFO (floatip) check wsNetExport : eth0 is up.`
//! — local time, level, the script name in parentheses (kept as the thread)
//! and the message. Other lines attach to the record above.

use super::records::{Header, RecordParser};
use super::time::local_datetime_prefix;
use crate::model::{Level, LogTime};

/// The HA floating-IP log parser.
pub fn parser() -> RecordParser {
    RecordParser::with_stamp(parse_header, super::time::local_stamp)
}

/// Parses `time LEVEL (script) message`; the `(script)` part is optional.
pub(crate) fn parse_header(text: &str) -> Option<Header<'_>> {
    let (time, used) = local_datetime_prefix(text)?;
    let rest = text[used..].trim_start();
    let (level_word, rest) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let mut header = Header {
        time: LogTime::Local(time),
        level: Some(Level::parse(level_word)?),
        thread: None,
        code: None,
        message: rest.trim(),
        location: None,
    };
    if let Some(inner) = header.message.strip_prefix('(')
        && let Some((script, after)) = inner.split_once(')')
    {
        header.thread = Some(script.trim());
        header.message = after.trim();
    }
    Some(header)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::testing::{record, run};

    #[test]
    fn floatip_lines() {
        let input = "\
2017-12-09 04:10:51,000 INFO (floatip) check wsNetExport : eth0 is up.
2017-12-09 04:10:51,000 INFO (floatip) check  wsFloatIp : XXX.XXX.XXX.XXX is reachable.
2017-12-09 04:11:21,512 ERROR (floatip) check wsFloatIp : 192.168.10.200 is unreachable.";
        let out = run(parser(), input);
        assert_eq!(out.events.len(), 3);
        let first = record(&out.events[0]);
        assert_eq!(first.thread.as_deref(), Some("floatip"));
        assert_eq!(first.message, "check wsNetExport : eth0 is up.");
        assert_eq!(
            record(&out.events[1]).message,
            "check  wsFloatIp : XXX.XXX.XXX.XXX is reachable."
        );
        let last = &out.events[2];
        assert_eq!(last.level, Some(Level::Error));
        assert_eq!(
            last.time,
            LogTime::Local("2017-12-09T04:11:21.512".parse().unwrap())
        );
        assert_eq!(
            record(last).message,
            "check wsFloatIp : 192.168.10.200 is unreachable."
        );
    }

    #[test]
    fn command_output_attaches_and_orphans_are_unparsed() {
        let input = "\
RTNETLINK answers: File exists
2017-12-09 04:10:52,000 WARN (floatip) bind float ip failed.
RTNETLINK answers: Cannot assign requested address";
        let out = run(parser(), input);
        assert_eq!(out.unparsed, [1]);
        assert_eq!(
            record(&out.events[0]).detail,
            ["RTNETLINK answers: Cannot assign requested address"]
        );
    }
}
