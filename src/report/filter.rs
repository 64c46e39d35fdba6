//! `analyze --since/--until/--around/--host`: the report of the whole
//! bundle cut down to the incidents a user asked about. The bundle is still
//! analysed whole, so verdicts, evidence and incident IDs are those of the
//! unfiltered report (`INC-3` stays `INC-3`); only the incident list shrinks,
//! and the report says so.

use super::text::terminal_safe;
use super::{DisplayZone, IncidentReport, Report, format_time};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// Which incidents a report keeps: those whose window overlaps the time
/// range and, when hosts are named, that involve one of them.
#[derive(Clone, Debug, Default)]
pub struct IncidentFilter {
    /// Host names, matched ignoring ASCII case (any host, when empty).
    pub hosts: Vec<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

/// The filter in force, as the JSON report states it, so nobody reads a cut
/// report as the whole bundle.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct FilterReport {
    /// UTC start of the range; `null` when open.
    pub since: Option<String>,
    /// UTC end of the range; `null` when open.
    pub until: Option<String>,
    /// The hosts asked for; empty for every host.
    pub hosts: Vec<String>,
    /// Incidents the unfiltered report has and this one leaves out.
    pub incidents_left_out: usize,
}

impl IncidentFilter {
    /// True when nothing is filtered.
    pub fn is_empty(&self) -> bool {
        self.hosts.is_empty() && self.since.is_none() && self.until.is_none()
    }

    /// Drops the incidents the filter does not keep and records the filter
    /// in `report.filter`; a report without a filter is left as it is.
    pub fn apply(&self, report: &mut Report) {
        if self.is_empty() {
            return;
        }
        let before = report.incidents.len();
        report.incidents.retain(|incident| self.keeps(incident));
        report.filter = Some(FilterReport {
            since: self.since.map(format_time),
            until: self.until.map(format_time),
            hosts: self.hosts.clone(),
            incidents_left_out: before - report.incidents.len(),
        });
    }

    fn keeps(&self, incident: &IncidentReport) -> bool {
        self.overlaps(incident) && self.involves_host(incident)
    }

    /// The window was written by [`format_time`]; should it ever not parse,
    /// the incident is kept rather than silently lost.
    fn overlaps(&self, incident: &IncidentReport) -> bool {
        let parse = |text: &str| DateTime::parse_from_rfc3339(text).ok();
        let (Some(start), Some(end)) = (parse(&incident.window.start), parse(&incident.window.end))
        else {
            return true;
        };
        self.since.is_none_or(|since| end >= since) && self.until.is_none_or(|until| start <= until)
    }

    fn involves_host(&self, incident: &IncidentReport) -> bool {
        if self.hosts.is_empty() {
            return true;
        }
        let mut involved = incident
            .host
            .iter()
            .chain(&incident.observer)
            .chain(&incident.affected_hosts);
        involved.any(|h| self.hosts.iter().any(|want| want.eq_ignore_ascii_case(h)))
    }
}

/// The line the terminal report starts with when a filter is in force,
/// times in `zone` and host names made safe for a terminal.
pub fn text_line(filter: &FilterReport, zone: DisplayZone) -> String {
    let show = |t: &Option<String>| t.as_deref().map(|t| zone.show(t));
    let time = match (show(&filter.since), show(&filter.until)) {
        (Some(since), Some(until)) => format!(" from {since} to {until}"),
        (Some(since), None) => format!(" from {since}"),
        (None, Some(until)) => format!(" until {until}"),
        (None, None) => String::new(),
    };
    let hosts = if filter.hosts.is_empty() {
        String::new()
    } else {
        format!(" involving {}", terminal_safe(&filter.hosts.join(", ")))
    };
    format!(
        "Filter: only incidents{time}{hosts}; {} left out (IDs as in the unfiltered report)\n",
        filter.incidents_left_out
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Option<DateTime<Utc>> {
        Some(
            DateTime::parse_from_rfc3339(text)
                .unwrap()
                .with_timezone(&Utc),
        )
    }

    #[test]
    fn text_line_names_range_hosts_and_count() {
        let filter = IncidentFilter {
            hosts: vec!["infagw01\x1b[2J".into()],
            since: at("2026-03-12T10:00:00Z"),
            until: None,
        };
        let report = FilterReport {
            since: filter.since.map(format_time),
            until: None,
            hosts: filter.hosts.clone(),
            incidents_left_out: 2,
        };
        let line = text_line(&report, DisplayZone::Utc);
        assert_eq!(
            line,
            "Filter: only incidents from 2026-03-12T10:00:00.000Z involving infagw01\\x1b[2J; 2 left out (IDs as in the unfiltered report)\n"
        );
    }
}
