//! The report's JSON Schema (issue 11, part 5): the committed file is what
//! `hbdiag schema` prints, every fixture's report validates against it, and
//! it is strict where a consumer relies on it.

mod common;

use common::*;
use serde_json::Value;
use std::path::Path;

const COMMITTED: &str = "schema/report-v1.schema.json";
const REGENERATE: &str = "cargo run -- schema -o schema/report-v1.schema.json";

fn committed() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(COMMITTED);
    let text = std::fs::read_to_string(&path).expect("the committed schema is readable");
    serde_json::from_str(&text).expect("the committed schema is JSON")
}

fn validator() -> jsonschema::Validator {
    jsonschema::draft202012::new(&committed()).expect("the committed schema compiles")
}

/// Every error of `report`, with where in the report it is.
fn errors(validator: &jsonschema::Validator, report: &Value) -> Vec<String> {
    validator
        .iter_errors(report)
        .map(|e| format!("at {}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn the_committed_schema_is_what_hbdiag_schema_prints() {
    let out = hbdiag(&["schema"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8(out.stdout).expect("utf-8");
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(COMMITTED);
    let on_disk = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        printed == on_disk,
        "{COMMITTED} is not what `hbdiag schema` prints: the report types changed. Regenerate it with `{REGENERATE}` and commit it (within schema_version 1, fields may only be added)"
    );
}

#[test]
fn the_schema_is_draft_2020_12_and_names_its_version() {
    let schema = committed();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(
        schema["$id"],
        "https://hbdiag.invalid/schema/report-v1.schema.json"
    );
    assert!(
        schema["title"]
            .as_str()
            .unwrap()
            .contains("schema_version 1")
    );
    assert_eq!(schema["properties"]["schema_version"]["const"], "1");
}

#[test]
fn every_fixture_report_validates_against_the_committed_schema() {
    let validator = validator();
    let mut failures = Vec::new();
    for bundle in fixture_bundles() {
        let report = analyze_json(&bundle, &["--quiet"]);
        for error in errors(&validator, &report) {
            failures.push(format!("{}: {error}", bundle.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "reports that do not validate (if the schema is stale, run `{REGENERATE}`):\n{}",
        failures.join("\n")
    );
}

#[test]
fn a_report_with_a_missing_or_mistyped_field_does_not_validate() {
    let validator = validator();
    let mut report = analyze_json(&fixture("db-outage"), &["--quiet"]);
    let incident = report["incidents"][0].as_object_mut().unwrap();
    incident.remove("fingerprint");
    incident.insert("severity".into(), "apocalyptic".into());
    report["schema_version"] = "2".into();
    report["sources"][0]["lines"] = "many".into();
    let found = errors(&validator, &report).join("\n");
    for path in [
        "at /incidents/0:",
        "at /incidents/0/severity:",
        "at /schema_version:",
        "at /sources/0/lines:",
    ] {
        assert!(found.contains(path), "no error {path}…:\n{found}");
    }
}

/// Every object in the schema requires each of its properties that cannot
/// be `null`: those are the fields the report always writes.
#[test]
fn every_field_that_is_always_written_is_required() {
    let schema = committed();
    let mut objects = vec![("(root)".to_string(), &schema)];
    for (name, def) in schema["$defs"].as_object().expect("$defs") {
        objects.push((name.clone(), def));
    }
    let mut loose = Vec::new();
    for (name, object) in objects {
        let Some(properties) = object["properties"].as_object() else {
            continue;
        };
        let required: Vec<&str> = object["required"]
            .as_array()
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        for (field, property) in properties {
            if !admits_null(property) && !required.contains(&field.as_str()) {
                loose.push(format!("{name}.{field}"));
            }
        }
    }
    assert!(loose.is_empty(), "not required: {loose:?}");
    let incident = &schema["$defs"]["IncidentReport"]["required"];
    for field in ["id", "fingerprint", "kind", "time", "root_causes"] {
        assert!(
            incident.as_array().unwrap().iter().any(|r| r == field),
            "{field}"
        );
    }
}

fn admits_null(property: &Value) -> bool {
    let null_type = |t: &Value| {
        t == "null"
            || t.as_array()
                .is_some_and(|ts| ts.iter().any(|t| t == "null"))
    };
    null_type(&property["type"])
        || property["anyOf"]
            .as_array()
            .is_some_and(|alternatives| alternatives.iter().any(|a| null_type(&a["type"])))
}
