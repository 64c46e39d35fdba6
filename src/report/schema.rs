//! The JSON Schema of the report, derived from the report types, so a
//! ticketing system can validate what it ingests and the shape is written
//! down where it cannot drift from the code. `hbdiag schema` prints it;
//! `schema/report-v1.schema.json` is its committed copy.

use super::{Report, SCHEMA_VERSION};
use schemars::generate::SchemaSettings;
use serde_json::Value;

/// The schema's identifier. A name only, never fetched: `.invalid` cannot
/// resolve. The file name part follows [`SCHEMA_VERSION`].
pub fn schema_id() -> String {
    format!("https://hbdiag.invalid/schema/report-v{SCHEMA_VERSION}.schema.json")
}

/// The report's JSON Schema (draft 2020-12), describing the report as it
/// is serialized: fields that are never left out are required, and
/// `schema_version` may only be [`SCHEMA_VERSION`].
pub fn report_schema() -> Value {
    let mut schema = SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator()
        .into_root_schema_for::<Report>();
    schema.insert("$id".into(), schema_id().into());
    schema.insert(
        "title".into(),
        format!("hbdiag report, schema_version {SCHEMA_VERSION}").into(),
    );
    if let Some(version) = schema.pointer_mut("/properties/schema_version") {
        version["const"] = SCHEMA_VERSION.into();
    }
    schema.to_value()
}

/// [`report_schema`] as `hbdiag schema` prints it: pretty JSON and a final
/// line break, byte for byte the committed file.
pub fn report_schema_text() -> String {
    let mut text = serde_json::to_string_pretty(&report_schema())
        .expect("a serde_json value always serializes");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_names_itself_and_pins_the_version() {
        let schema = report_schema();
        assert_eq!(
            schema["$schema"],
            "https://json-schema.org/draft/2020-12/schema"
        );
        assert_eq!(schema["$id"], schema_id());
        assert_eq!(schema["properties"]["schema_version"]["const"], "1");
        let required = schema["required"].as_array().expect("required fields");
        assert!(required.iter().any(|r| r == "incidents"), "{required:?}");
    }
}
