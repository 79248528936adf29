//! A batch's traceability record as an EPCIS 2.0 JSON-LD document (GS1 EPCIS 2.0, CBV 2.0), for
//! partners' systems that read supply-chain events rather than our pages.
//!
//! One document per lot: the lot commissioned at production (with its master data as ILMD), packed,
//! inspected (conformant or not, with the test reports), and recalled when it was. The lot is an
//! `epcClass`: a GS1 Digital Link (`https://id.gs1.org/01/{gtin14}/10/{lot}`) where the product has
//! a GTIN, else the catalogue's own address for the lot. Fields the CBV has no word for are in the
//! catalogue's own namespace (`fupin:`), declared in `@context`.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Map, Value, json};

use super::{CatalogueCode, Gtin, InspectionResult, LotCode, in_china};

/// RFC 3986 unreserved characters stay as they are in a Digital Link key value; the rest is escaped.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

pub const EPCIS_CONTEXT: &str = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld";
/// EPCIS wants a time zone on every event; the record's dates are China dates.
const CHINA_OFFSET: &str = "+08:00";

/// What EPCIS needs of a batch, read from its traceability record.
#[derive(Debug, Clone)]
pub struct BatchTrace<'a> {
    /// The public address the catalogue is reached at, without a trailing slash.
    pub base: &'a str,
    pub catalogue_code: &'a CatalogueCode,
    pub gtin: Option<&'a Gtin>,
    pub lot: &'a LotCode,
    pub product_name: &'a str,
    pub supplier_name: &'a str,
    /// Where it was grown or made (production base).
    pub origin: &'a str,
    pub produced_on: Option<NaiveDate>,
    pub packed_on: Option<NaiveDate>,
    /// When the batch was recorded (UTC).
    pub recorded_at: NaiveDateTime,
    /// The quantity in thousandths of `unit`, and the unit as the county wrote it (公斤, 吨, 斤, 箱…).
    pub quantity: Option<(i64, &'a str)>,
    pub inspection: InspectionResult,
    pub inspection_note: &'a str,
    /// When the inspection result was last corrected (UTC), if it was.
    pub inspection_corrected_at: Option<NaiveDateTime>,
    /// Absolute addresses of the inspection reports (PDF) attached to the batch.
    pub reports: Vec<String>,
    pub recall: Option<Recall<'a>>,
}

/// A recall of the lot, with the fields of the 市场监管 notice it came with.
#[derive(Debug, Clone)]
pub struct Recall<'a> {
    /// UTC.
    pub at: NaiveDateTime,
    pub reason: &'a str,
    pub notice_no: &'a str,
    pub failed_item: &'a str,
    pub result: &'a str,
    pub limit: &'a str,
    pub testing_body: &'a str,
}

impl BatchTrace<'_> {
    /// The lot as an EPC class: GS1 Digital Link with a GTIN, the catalogue's address without.
    pub fn epc_class(&self) -> String {
        let lot = utf8_percent_encode(self.lot.as_str(), UNRESERVED);
        match self.gtin {
            Some(gtin) => format!("https://id.gs1.org/01/{}/10/{lot}", gtin.to_gtin14()),
            None => format!("{}/t/{}/{lot}", self.base, self.catalogue_code.as_str()),
        }
    }

    /// Where this document is served.
    pub fn document_url(&self) -> String {
        let lot = utf8_percent_encode(self.lot.as_str(), UNRESERVED);
        format!("{}/t/{}/{lot}/epcis.json", self.base, self.catalogue_code.as_str())
    }

    fn vocabulary(&self) -> String {
        format!("{}/voc/", self.base)
    }
}

/// The EPCIS document of one batch, created at `now` (UTC).
pub fn document(trace: &BatchTrace<'_>, now: NaiveDateTime) -> Value {
    let mut events = vec![commissioning(trace)];
    if let Some(packed) = trace.packed_on {
        events.push(Value::Object(observation(
            trace,
            "packing",
            on_day(packed),
            None,
            Map::new(),
        )));
    }
    if let Some(inspected) = inspection(trace) {
        events.push(inspected);
    }
    if let Some(recall) = &trace.recall {
        let mut extra = Map::new();
        for (key, value) in [
            ("fupin:recallReason", recall.reason),
            ("fupin:noticeNumber", recall.notice_no),
            ("fupin:failedItem", recall.failed_item),
            ("fupin:testResult", recall.result),
            ("fupin:limit", recall.limit),
            ("fupin:testingBody", recall.testing_body),
        ] {
            if !value.trim().is_empty() {
                extra.insert(key.to_owned(), Value::from(value));
            }
        }
        let recalled = observation(trace, "holding", in_china(recall.at), Some("recalled"), extra);
        events.push(Value::Object(recalled));
    }
    json!({
        "@context": [EPCIS_CONTEXT, { "fupin": trace.vocabulary() }],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": in_china(now).to_rfc3339(),
        "id": trace.document_url(),
        "epcisBody": { "eventList": events },
    })
}

/// Production: the lot comes into being, with its master data (ILMD).
fn commissioning(trace: &BatchTrace<'_>) -> Value {
    let when = trace.produced_on.map_or_else(|| in_china(trace.recorded_at), on_day);
    let mut quantity = Map::new();
    quantity.insert("epcClass".to_owned(), Value::from(trace.epc_class()));
    if let Some((amount, uom)) = trace.quantity.and_then(|(milli, unit)| un_ece_quantity(milli, unit)) {
        quantity.insert("quantity".to_owned(), json!(amount));
        quantity.insert("uom".to_owned(), Value::from(uom));
    }
    let mut ilmd = Map::new();
    ilmd.insert("cbvmda:lotNumber".to_owned(), Value::from(trace.lot.as_str()));
    ilmd.insert("fupin:productName".to_owned(), Value::from(trace.product_name));
    ilmd.insert("fupin:supplier".to_owned(), Value::from(trace.supplier_name));
    ilmd.insert(
        "fupin:catalogueCode".to_owned(),
        Value::from(trace.catalogue_code.as_str()),
    );
    if !trace.origin.trim().is_empty() {
        ilmd.insert("fupin:productionBase".to_owned(), Value::from(trace.origin));
    }
    if let Some(day) = trace.produced_on {
        ilmd.insert("fupin:productionDate".to_owned(), Value::from(day.to_string()));
    }
    if let Some((milli, unit)) = trace.quantity {
        ilmd.insert(
            "fupin:quantity".to_owned(),
            Value::from(format!("{} {unit}", milli as f64 / 1000.0)),
        );
    }
    let mut event = base_event(trace, "ADD", when, "commissioning");
    event.insert("disposition".to_owned(), Value::from("active"));
    event.insert("quantityList".to_owned(), json!([quantity]));
    event.insert("ilmd".to_owned(), Value::Object(ilmd));
    Value::Object(event)
}

/// The inspection, once there is a result: conformant or non-conformant, with the reports.
fn inspection(trace: &BatchTrace<'_>) -> Option<Value> {
    let disposition = match trace.inspection {
        InspectionResult::Pending => return None,
        InspectionResult::Passed => "conformant",
        InspectionResult::Failed => "non_conformant",
    };
    let when = in_china(trace.inspection_corrected_at.unwrap_or(trace.recorded_at));
    let mut extra = Map::new();
    extra.insert(
        "fupin:inspectionResult".to_owned(),
        Value::from(trace.inspection.label()),
    );
    if !trace.inspection_note.trim().is_empty() {
        extra.insert("fupin:inspectionNote".to_owned(), Value::from(trace.inspection_note));
    }
    let mut event = observation(trace, "inspecting", when, Some(disposition), extra);
    if !trace.reports.is_empty() {
        let reports: Vec<Value> = trace
            .reports
            .iter()
            .map(|url| json!({ "type": "testres", "bizTransaction": url }))
            .collect();
        event.insert("bizTransactionList".to_owned(), Value::Array(reports));
    }
    Some(Value::Object(event))
}

fn observation(
    trace: &BatchTrace<'_>,
    biz_step: &str,
    when: DateTime<FixedOffset>,
    disposition: Option<&str>,
    extra: Map<String, Value>,
) -> Map<String, Value> {
    let mut event = base_event(trace, "OBSERVE", when, biz_step);
    if let Some(disposition) = disposition {
        event.insert("disposition".to_owned(), Value::from(disposition));
    }
    event.insert("quantityList".to_owned(), json!([{ "epcClass": trace.epc_class() }]));
    event.extend(extra);
    event
}

fn base_event(trace: &BatchTrace<'_>, action: &str, when: DateTime<FixedOffset>, biz_step: &str) -> Map<String, Value> {
    let mut event = Map::new();
    event.insert("type".to_owned(), Value::from("ObjectEvent"));
    // Stable across requests: the same lot's same step is the same event.
    event.insert(
        "eventID".to_owned(),
        Value::from(format!("{}#{biz_step}", trace.document_url())),
    );
    event.insert("eventTime".to_owned(), Value::from(when.to_rfc3339()));
    event.insert("eventTimeZoneOffset".to_owned(), Value::from(CHINA_OFFSET));
    event.insert("action".to_owned(), Value::from(action));
    event.insert("bizStep".to_owned(), Value::from(biz_step));
    event
}

/// Midnight of a China date.
fn on_day(day: NaiveDate) -> DateTime<FixedOffset> {
    in_china(super::versions::start_of_china_day(day))
}

/// A quantity in a UN/ECE Recommendation 20 unit, where the county's unit has one: 公斤 and kg
/// as KGM, 斤 (half a kilogram) as KGM, 克 as GRM, 吨 as TNE. Cases and bags have no fixed size and
/// are left out (the ILMD keeps the quantity as written).
fn un_ece_quantity(milli: i64, unit: &str) -> Option<(f64, &'static str)> {
    let amount = milli as f64 / 1000.0;
    match unit.trim().to_lowercase().as_str() {
        "公斤" | "千克" | "kg" => Some((amount, "KGM")),
        "斤" => Some((amount / 2.0, "KGM")),
        "克" | "g" => Some((amount, "GRM")),
        "吨" | "t" => Some((amount, "TNE")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn sample<'a>(code: &'a CatalogueCode, lot: &'a LotCode, gtin: Option<&'a Gtin>) -> BatchTrace<'a> {
        BatchTrace {
            base: "https://fupin.example.cn",
            catalogue_code: code,
            gtin,
            lot,
            product_name: "紫阳富硒茶",
            supplier_name: "紫阳县示例茶叶合作社",
            origin: "紫阳县焕古镇",
            produced_on: Some(day(2026, 4, 10)),
            packed_on: Some(day(2026, 4, 20)),
            recorded_at: day(2026, 4, 21).and_hms_opt(2, 0, 0).unwrap(),
            quantity: Some((1_500_000, "斤")),
            inspection: InspectionResult::Passed,
            inspection_note: "农残 未检出",
            inspection_corrected_at: None,
            reports: vec!["https://fupin.example.cn/media/ab/report.pdf".to_owned()],
            recall: None,
        }
    }

    #[test]
    fn a_lot_with_a_gtin_is_a_digital_link_class_and_without_one_the_catalogue_address() {
        let code = CatalogueCode::parse("610924-00001").unwrap();
        let lot = LotCode::parse("2026-04A").unwrap();
        let gtin = Gtin::parse("6901234567892").unwrap();
        assert_eq!(
            sample(&code, &lot, Some(&gtin)).epc_class(),
            "https://id.gs1.org/01/06901234567892/10/2026-04A"
        );
        assert_eq!(
            sample(&code, &lot, None).epc_class(),
            "https://fupin.example.cn/t/610924-00001/2026-04A"
        );
    }

    #[test]
    fn production_packing_and_inspection_are_events_in_china_time() {
        let code = CatalogueCode::parse("610924-00001").unwrap();
        let lot = LotCode::parse("2026-04A").unwrap();
        let doc = document(
            &sample(&code, &lot, None),
            day(2026, 5, 1).and_hms_opt(0, 0, 0).unwrap(),
        );
        let events = doc["epcisBody"]["eventList"].as_array().unwrap();
        let steps: Vec<&str> = events.iter().map(|e| e["bizStep"].as_str().unwrap()).collect();
        assert_eq!(steps, ["commissioning", "packing", "inspecting"]);
        let commissioning = &events[0];
        assert_eq!(commissioning["action"], "ADD");
        assert_eq!(commissioning["eventTime"], "2026-04-10T00:00:00+08:00");
        assert_eq!(
            commissioning["quantityList"][0]["quantity"], 750.0,
            "1,500 斤 are 750 kg"
        );
        assert_eq!(commissioning["quantityList"][0]["uom"], "KGM");
        assert_eq!(commissioning["ilmd"]["cbvmda:lotNumber"], "2026-04A");
        assert_eq!(events[1]["action"], "OBSERVE");
        assert!(events[1].get("ilmd").is_none(), "ILMD belongs to ADD only");
        assert_eq!(events[2]["disposition"], "conformant");
        assert_eq!(events[2]["eventTime"], "2026-04-21T10:00:00+08:00");
        assert_eq!(events[2]["bizTransactionList"][0]["type"], "testres");
        assert_eq!(doc["schemaVersion"], "2.0");
        assert_eq!(doc["creationDate"], "2026-05-01T08:00:00+08:00");
    }

    #[test]
    fn a_pending_inspection_is_no_event_and_a_recall_is_one() {
        let code = CatalogueCode::parse("610924-00001").unwrap();
        let lot = LotCode::parse("2026-04A").unwrap();
        let mut trace = sample(&code, &lot, None);
        trace.inspection = InspectionResult::Pending;
        trace.packed_on = None;
        trace.recall = Some(Recall {
            at: day(2026, 6, 1).and_hms_opt(3, 0, 0).unwrap(),
            reason: "抽检不合格",
            notice_no: "陕市监通〔2026〕12号",
            failed_item: "铅（以Pb计）",
            result: "1.2 mg/kg",
            limit: "≤5.0 mg/kg",
            testing_body: "",
        });
        let doc = document(&trace, day(2026, 6, 2).and_hms_opt(0, 0, 0).unwrap());
        let events = doc["epcisBody"]["eventList"].as_array().unwrap();
        assert_eq!(events.len(), 2);
        let recall = &events[1];
        assert_eq!(recall["disposition"], "recalled");
        assert_eq!(recall["fupin:noticeNumber"], "陕市监通〔2026〕12号");
        assert!(recall.get("fupin:testingBody").is_none(), "empty fields are left out");
    }

    #[test]
    fn units_without_a_fixed_size_carry_no_quantity() {
        assert_eq!(un_ece_quantity(2_000, "箱"), None);
        assert_eq!(un_ece_quantity(2_500, "吨"), Some((2.5, "TNE")));
        assert_eq!(un_ece_quantity(500_000, "克"), Some((500.0, "GRM")));
    }
}
