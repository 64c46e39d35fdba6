//! Which of the bundle's hosts a hypervisor's guest is. A VM's name is
//! chosen by whoever created it: `infawk01`, `INFAWK01.corp.example`,
//! `prod-infawk01 (clone)`. It names a host when, ignoring case, it is the
//! host's name, shares its first DNS label, or holds it as a whole word.

use crate::model::SourceId;
use crate::scan::ScannedSource;
use std::collections::BTreeMap;

/// Each source's guests that name a host of the bundle, with that host.
#[derive(Default)]
pub(super) struct GuestHosts {
    placed: BTreeMap<(SourceId, String), String>,
}

impl GuestHosts {
    /// Resolves every source's guests against `hosts` (the hosts files
    /// were collected from).
    pub(super) fn resolve<'a>(
        sources: &[ScannedSource],
        hosts: impl Iterator<Item = &'a str> + Clone,
    ) -> GuestHosts {
        let mut placed = BTreeMap::new();
        for source in sources.iter().filter(|s| !s.guests.is_empty()) {
            for guest in &source.guests {
                if let Some(host) = host_named_by(guest, hosts.clone()) {
                    placed.insert((source.id, guest.clone()), host.to_string());
                }
            }
        }
        GuestHosts { placed }
    }

    /// The host `guest` of `source` is, when it is one of the bundle's.
    pub(super) fn host_of(&self, source: SourceId, guest: &str) -> Option<&str> {
        self.placed
            .get(&(source, guest.to_string()))
            .map(String::as_str)
    }

    /// The hosts each source's guests are, for what the sources cover.
    pub(super) fn of_source(&self, source: SourceId) -> impl Iterator<Item = &str> {
        self.placed
            .range((source, String::new())..)
            .take_while(move |((s, _), _)| *s == source)
            .map(|(_, host)| host.as_str())
    }
}

/// The host `guest` names; the longest when several do (`infawk01` and
/// `infawk01b` in `infawk01b-prod`), the first by name on a tie.
fn host_named_by<'a>(guest: &str, hosts: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let guest = guest.to_lowercase();
    hosts
        .filter(|host| names(&guest, &host.to_lowercase()))
        .fold(None, |best: Option<&str>, host| match best {
            Some(b) if b.len() > host.len() || (b.len() == host.len() && b <= host) => Some(b),
            _ => Some(host),
        })
}

/// Whether the lowercase VM name `guest` names the lowercase `host`.
fn names(guest: &str, host: &str) -> bool {
    if host.is_empty() {
        return false;
    }
    let first_label = |name: &str| name.split('.').next().unwrap_or(name).to_string();
    if guest == host || first_label(guest) == first_label(host) {
        return true;
    }
    let word = |c: Option<char>| c.is_none_or(|c| !c.is_ascii_alphanumeric());
    guest.match_indices(host).any(|(at, _)| {
        word(guest[..at].chars().next_back()) && word(guest[at + host.len()..].chars().next())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTS: [&str; 4] = ["infagw01", "infawk01", "infawk01b", "esx01"];

    fn named(guest: &str) -> Option<&'static str> {
        host_named_by(guest, HOSTS.into_iter())
    }

    #[test]
    fn vm_names_as_people_write_them() {
        assert_eq!(named("infawk01"), Some("infawk01"));
        assert_eq!(named("INFAWK01"), Some("infawk01"));
        assert_eq!(named("infawk01.corp.example"), Some("infawk01"));
        assert_eq!(named("prod-infawk01 (clone)"), Some("infawk01"));
        assert_eq!(named("infawk01b-prod"), Some("infawk01b"));
    }

    #[test]
    fn a_name_inside_a_longer_word_is_not_the_host() {
        assert_eq!(named("infawk011"), None);
        assert_eq!(named("xinfagw01"), None);
        assert_eq!(named("system"), None);
    }
}
