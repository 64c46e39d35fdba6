//! The database table end to end: a master gateway's node.log whose DB
//! heartbeat fails with one vendor error, and the verdict that error's kind
//! gives (rules/signals/databases.toml, rules/rules/informatica/db_*.toml).

mod common;

use common::{analyze_json, assert_verdict, explanation, incident_of_kind};
use serde_json::Value;
use std::fs;

/// A bundle whose master gateway node01 (host infagw01) fails its DB
/// heartbeat from 10:15:14 and gives up at 10:15:50; each failed update
/// logs `error` as the exception below it.
fn master_failing_with(error: &str) -> tempfile::TempDir {
    master_failing(&|s| {
        format!(
            "2026-03-12 10:15:{s:02},302 ERROR [Master Elect Data Writer] [DOM_10162] An exception occurred while updating the master election row.\n{error}\n"
        )
    })
}

/// The same bundle, each failed update written as `failure(second)`.
fn master_failing(failure: &dyn Fn(u32) -> String) -> tempfile::TempDir {
    let mut log = String::from(
        "2026-03-12 10:00:01,000 INFO  [main] [SPC_10014] Starting the node [node01] of domain [Domain_Prod].\n\
         2026-03-12 10:00:01,300 INFO  [main] [DOM_10009] Domain option MasterDBRefreshInterval = 8\n",
    );
    for s in (6..=54).step_by(8) {
        log.push_str(&format!(
            "2026-03-12 10:14:{s:02},302 INFO  [Master Elect Data Writer] [DOM_10179] Updated the master election row for node [node01].\n"
        ));
    }
    for s in (14..=46).step_by(8) {
        log.push_str(&failure(s));
        log.push_str(
            "\tat com.informatica.pcsf.server.domain.master.MasterElectDataWriter.update(MasterElectDataWriter.java:212)\n\
             \tat java.lang.Thread.run(Thread.java:750)\n",
        );
    }
    log.push_str(
        "2026-03-12 10:15:50,410 FATAL [Master Elect Data Writer] [DOM_10094] The master gateway node could not update the domain configuration database within the timeout period. The node will shut down.\n\
         2026-03-12 10:15:51,002 INFO  [Master Elect Data Writer] [SPC_10015] Received a request to shut down the node. Stopping the node.\n",
    );
    let dir = tempfile::tempdir().expect("a temp dir");
    let node = dir.path().join("infagw01/logs/node01");
    fs::create_dir_all(&node).expect("folders");
    fs::write(node.join("node.log"), log).expect("node.log");
    dir
}

/// The master's incident in the report of a bundle failing with `error`.
fn verdict_for(error: &str) -> Value {
    master_incident(&master_failing_with(error))
}

fn master_incident(bundle: &tempfile::TempDir) -> Value {
    let report = analyze_json(bundle.path(), &["--tz", "+00:00"]);
    incident_of_kind(&report, "master_db_timeout").clone()
}

fn procedure(incident: &Value) -> String {
    incident["root_causes"][0]["procedure"].to_string()
}

#[test]
fn an_expired_oracle_password_is_a_refused_login_with_its_procedure() {
    let incident = verdict_for("java.sql.SQLException: ORA-28001: the password has expired");
    assert_verdict(&incident, "db_unavailable", "db_unavailable.login_refused");
    let text = explanation(&incident);
    assert!(
        text.contains("(oracle 28001: the password has expired)"),
        "{text}"
    );
    let steps = procedure(&incident);
    assert!(
        steps.contains("infasetup.sh updateGatewayNode -DatabasePassword"),
        "{steps}"
    );
}

#[test]
fn a_locked_sql_server_login_and_a_db2_expired_password_are_refused_logins() {
    for error in [
        "com.microsoft.sqlserver.jdbc.SQLServerException: Login failed for user 'infa_dom' because the account is currently locked out. The system administrator can unlock it. ClientConnectionId:2f0c9a1b-77aa-4c1e-9d2e-0b5c6a7d8e9f",
        "com.ibm.db2.jcc.am.SqlInvalidAuthorizationSpecException: DB2 SQL Error: SQLCODE=-30082, SQLSTATE=08001, SQLERRMC=1;PASSWORD EXPIRED, DRIVER=4.26.14",
    ] {
        let incident = verdict_for(error);
        assert_verdict(&incident, "db_unavailable", "db_unavailable.login_refused");
    }
}

#[test]
fn a_database_that_is_down_keeps_its_rule() {
    let incident = verdict_for(
        "org.postgresql.util.PSQLException: FATAL: the database system is in recovery mode",
    );
    assert_verdict(&incident, "db_unavailable", "db_unavailable.vendor_error");
    let text = explanation(&incident);
    assert!(
        text.contains("postgresql 57P03: the database system is in recovery mode"),
        "{text}"
    );
}

#[test]
fn an_archiver_stuck_is_an_exhausted_resource() {
    let incident = verdict_for(
        "java.sql.SQLException: ORA-00257: archiver error. Connect internal only, until freed.",
    );
    assert_verdict(
        &incident,
        "db_unavailable",
        "db_unavailable.resources_exhausted",
    );
    assert!(
        procedure(&incident).contains("archive"),
        "{}",
        procedure(&incident)
    );
}

#[test]
fn a_killed_session_is_a_dropped_connection() {
    let incident = verdict_for("java.sql.SQLException: ORA-00028: your session has been killed");
    assert_verdict(
        &incident,
        "db_unavailable",
        "db_unavailable.connection_dropped",
    );
    assert!(
        procedure(&incident).contains("firewall"),
        "{}",
        procedure(&incident)
    );
}

#[test]
fn deadlocks_on_the_heartbeat_row_are_named_by_the_heartbeat_rule() {
    let incident = verdict_for(
        "java.sql.SQLException: ORA-00060: deadlock detected while waiting for resource",
    );
    assert_verdict(
        &incident,
        "db_unavailable",
        "db_unavailable.repeated_db_heartbeat_errors",
    );
    let text = explanation(&incident);
    assert!(text.contains("(ORA-00060; kind locks)"), "{text}");
}

#[test]
fn database_network_codes_give_a_network_verdict() {
    for error in [
        "java.sql.SQLRecoverableException: IO Error: ORA-12170: TNS:Connect timeout occurred",
        "com.microsoft.sqlserver.jdbc.SQLServerException: A connection attempt failed because the connected party did not properly respond after a period of time, or established connection failed because connected host has failed to respond.",
    ] {
        let incident = verdict_for(error);
        assert_verdict(&incident, "network", "network.connection_errors");
        let causes = incident["root_causes"].to_string();
        assert!(!causes.contains("db_unavailable.vendor_error"), "{causes}");
    }
}

#[test]
fn an_unknown_code_on_the_heartbeat_thread_is_named() {
    for (error, code) in [
        (
            "java.sql.SQLException: ORA-09999: a code the table does not know",
            "ORA-09999",
        ),
        (
            "com.ibm.db2.jcc.am.SqlException: DB2 SQL Error: SQLCODE=-123, SQLSTATE=42601, SQLERRMC=null, DRIVER=4.26.14",
            "SQLCODE=-123",
        ),
    ] {
        let incident = verdict_for(error);
        assert_verdict(
            &incident,
            "db_unavailable",
            "db_unavailable.repeated_db_heartbeat_errors",
        );
        let text = explanation(&incident);
        assert!(
            text.contains(&format!("with SQL errors ({code};")),
            "{text}"
        );
    }
}

#[test]
fn a_sql_error_of_the_master_election_thread_is_a_failed_heartbeat() {
    // No DOM_10162: the heartbeat thread only logs the exception.
    let bundle = master_failing(&|s| {
        format!(
            "2026-03-12 10:15:{s:02},302 ERROR [Master Elect Data Writer] org.postgresql.util.PSQLException: ERROR: could not read block 7 in file \"base/16384/16402\" (SQLSTATE XX000)\n"
        )
    });
    let incident = master_incident(&bundle);
    assert_verdict(
        &incident,
        "db_unavailable",
        "db_unavailable.repeated_db_heartbeat_errors",
    );
    let text = explanation(&incident);
    assert!(
        text.contains("failed 5 consecutive updates") && text.contains("(SQLSTATE XX000;"),
        "{text}"
    );
}

#[test]
fn a_site_adds_a_code_to_the_table_without_copying_it() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let rules = dir.path().join("site-rules/signals");
    fs::create_dir_all(&rules).expect("folders");
    fs::write(
        rules.join("databases.toml"),
        r#"
[[signal]]
id = "db_unavailable_error"
extend = true
  [[signal.match]]
  patterns = ['ORA-01157']
  fields = { vendor = "oracle", vendor_code = "01157", db_kind = "down", db_message = "cannot identify/lock data file" }
  [[signal.sample]]
  line = "2026-03-12 10:15:22,345 ERROR [Master Elect Data Writer] java.sql.SQLException: ORA-01157: cannot identify/lock data file 7 - see DBWR trace file"
  fields = { vendor_code = "01157", db_kind = "down" }
"#,
    )
    .expect("the site's table");
    let site = dir.path().join("site-rules");
    let site = site.to_str().expect("utf-8 path");
    let test = common::hbdiag(&["rules", "test", site]);
    assert!(
        test.status.success(),
        "{}",
        String::from_utf8_lossy(&test.stdout)
    );

    let bundle = master_failing_with(
        "java.sql.SQLException: ORA-01157: cannot identify/lock data file 7 - see DBWR trace file",
    );
    let before = master_incident(&bundle);
    assert_ne!(
        before["root_causes"][0]["rule"],
        "db_unavailable.vendor_error"
    );
    let report = analyze_json(bundle.path(), &["--tz", "+00:00", "--rules", site]);
    let incident = incident_of_kind(&report, "master_db_timeout");
    assert_verdict(incident, "db_unavailable", "db_unavailable.vendor_error");
    assert!(explanation(incident).contains("oracle 01157"));
    // The built-in codes still hold.
    let report = analyze_json(
        master_failing_with("java.sql.SQLException: ORA-01034: ORACLE not available").path(),
        &["--tz", "+00:00", "--rules", site],
    );
    assert_verdict(
        incident_of_kind(&report, "master_db_timeout"),
        "db_unavailable",
        "db_unavailable.vendor_error",
    );
}
