//! A product's details the office may correct once it is in the catalogue (name, specification,
//! price, trademark), and what a correction changed, field by field. A correction is a change of
//! its own in the catalogue's history (信息变更): its event keeps the fields before and after, so
//! that the versions rebuilt from events show each detail as it stood.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::{Fen, ListingStatus};

labelled_names! {
    /// A detail a correction may change.
    DetailField {
        Name => ("name", "产品名称"),
        Specification => ("specification", "规格"),
        UnitPrice => ("unit_price_yuan", "单价（元）"),
        Trademark => ("trademark", "商标"),
    }
}

const NAME_MAX: usize = 60;
const SPECIFICATION_MAX: usize = 60;
const TRADEMARK_MAX: usize = 40;
const REASON_MAX: usize = 300;

/// The details as they are (or were) at one time.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Details {
    pub name: String,
    pub specification: String,
    pub unit_price_fen: i64,
    /// Empty when the product has none on record.
    pub trademark: String,
}

/// One field a correction changed, as people read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    pub field: DetailField,
    pub from: String,
    pub to: String,
}

/// As the API, the feeds and the open data give it: `{field, label, from, to}`.
impl Serialize for FieldChange {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut out = serializer.serialize_struct("FieldChange", 4)?;
        out.serialize_field("field", self.field.as_str())?;
        out.serialize_field("label", self.field.label())?;
        out.serialize_field("from", &self.from)?;
        out.serialize_field("to", &self.to)?;
        out.end()
    }
}

impl FieldChange {
    /// `单价（元）：38.00 → 42.00`
    pub fn describe(&self) -> String {
        let shown = |v: &str| {
            if v.is_empty() {
                "（空）".to_owned()
            } else {
                v.to_owned()
            }
        };
        format!("{}：{} → {}", self.field.label(), shown(&self.from), shown(&self.to))
    }
}

/// What changed, as one line: `单价（元）：38.00 → 42.00；商标：（空） → 汉水`.
pub fn describe_all(changes: &[FieldChange]) -> String {
    changes.iter().map(FieldChange::describe).collect::<Vec<_>>().join("；")
}

/// The fields `b` differs from `a` in, in form order.
pub fn field_changes(a: &Details, b: &Details) -> Vec<FieldChange> {
    DetailField::ALL
        .iter()
        .filter_map(|&field| {
            let (from, to) = (a.shown(field), b.shown(field));
            (from != to).then_some(FieldChange { field, from, to })
        })
        .collect()
}

/// What a correction's event says it changed, from its stored fields before and after.
pub fn stored_changes(before: &str, after: &str) -> Vec<FieldChange> {
    let blank = Details::default();
    field_changes(&blank.with_stored(before), &blank.with_stored(after))
}

/// What was wrong with a correction, in the words of the form.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DetailsError {
    #[error("{field}：请填写。")]
    Missing { field: &'static str },
    #[error("{field}：最多 {max} 个字，现有 {len} 个。")]
    TooLong {
        field: &'static str,
        max: usize,
        len: usize,
    },
    #[error("单价（元）：{0}")]
    Price(String),
    #[error("单价（元）：应大于 0。")]
    FreePrice,
    #[error("没有改动：所填信息与目录中的一致。")]
    Unchanged,
    #[error("该产品{0}，不能再修改信息。")]
    OutOfCatalogue(&'static str),
}

/// Only a product in the catalogue (listed, or suspended while a case is looked into) is
/// corrected; one that left it stays as it was when it left.
pub fn correctable(status: ListingStatus) -> Result<(), DetailsError> {
    match status {
        ListingStatus::Listed | ListingStatus::Suspended => Ok(()),
        left => Err(DetailsError::OutOfCatalogue(left.label())),
    }
}

const REASON: &str = "变更原因";

/// `value` trimmed, checked against the form's rules for the field labelled `field`.
fn text(field: &'static str, value: &str, max: usize, required: bool) -> Result<String, DetailsError> {
    let value = value.trim();
    if required && value.is_empty() {
        return Err(DetailsError::Missing { field });
    }
    let len = value.chars().count();
    if len > max {
        return Err(DetailsError::TooLong { field, max, len });
    }
    Ok(value.to_owned())
}

impl Details {
    /// The details a correction form gives (price in yuan as typed), checked.
    pub fn parse(name: &str, specification: &str, price_yuan: &str, trademark: &str) -> Result<Self, DetailsError> {
        let name = text(DetailField::Name.label(), name, NAME_MAX, true)?;
        let specification = text(
            DetailField::Specification.label(),
            specification,
            SPECIFICATION_MAX,
            true,
        )?;
        if price_yuan.trim().is_empty() {
            return Err(DetailsError::Missing {
                field: DetailField::UnitPrice.label(),
            });
        }
        let price = Fen::parse_yuan(price_yuan).map_err(|e| DetailsError::Price(e.to_string()))?;
        if price.0 <= 0 {
            return Err(DetailsError::FreePrice);
        }
        let trademark = text(DetailField::Trademark.label(), trademark, TRADEMARK_MAX, false)?;
        Ok(Self {
            name,
            specification,
            unit_price_fen: price.0,
            trademark,
        })
    }

    fn shown(&self, field: DetailField) -> String {
        match field {
            DetailField::Name => self.name.clone(),
            DetailField::Specification => self.specification.clone(),
            DetailField::UnitPrice => Fen(self.unit_price_fen).to_string(),
            DetailField::Trademark => self.trademark.clone(),
        }
    }

    /// The fields `changes` name, as stored in a correction's event (`from_state`/`to_state`): a
    /// JSON object of those fields only.
    pub fn stored(&self, changes: &[FieldChange]) -> String {
        let mut object = serde_json::Map::new();
        for change in changes {
            let value = match change.field {
                DetailField::Name => self.name.clone().into(),
                DetailField::Specification => self.specification.clone().into(),
                DetailField::UnitPrice => self.unit_price_fen.into(),
                DetailField::Trademark => self.trademark.clone().into(),
            };
            object.insert(change.field.as_str().to_owned(), value);
        }
        serde_json::Value::Object(object).to_string()
    }

    /// These details with the fields a correction's event stored put back; what is not stored, or
    /// cannot be read, stays as it is.
    pub fn with_stored(&self, stored: &str) -> Self {
        let mut out = self.clone();
        let Ok(serde_json::Value::Object(object)) = serde_json::from_str::<serde_json::Value>(stored) else {
            return out;
        };
        for (key, value) in object {
            match (DetailField::parse(&key), value) {
                (Some(DetailField::Name), serde_json::Value::String(v)) => out.name = v,
                (Some(DetailField::Specification), serde_json::Value::String(v)) => out.specification = v,
                (Some(DetailField::Trademark), serde_json::Value::String(v)) => out.trademark = v,
                (Some(DetailField::UnitPrice), serde_json::Value::Number(v)) => {
                    if let Some(fen) = v.as_i64() {
                        out.unit_price_fen = fen;
                    }
                }
                _ => {}
            }
        }
        out
    }
}

/// The reason a correction is made with: required, as for every change of the catalogue.
pub fn reason(input: &str) -> Result<String, DetailsError> {
    text(REASON, input, REASON_MAX, true)
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    fn tea() -> Details {
        Details::parse("紫阳富硒茶", "250克/盒", "38", "").unwrap()
    }

    #[test]
    fn a_correction_lists_the_fields_it_changed_in_form_order() {
        let before = tea();
        let after = Details::parse("紫阳富硒绿茶", "250克/盒", "42.5", "汉水").unwrap();
        let changes = field_changes(&before, &after);
        let described: Vec<String> = changes.iter().map(FieldChange::describe).collect();
        assert_eq!(
            described,
            [
                "产品名称：紫阳富硒茶 → 紫阳富硒绿茶",
                "单价（元）：38.00 → 42.50",
                "商标：（空） → 汉水"
            ]
        );
        assert!(field_changes(&before, &before).is_empty());
    }

    #[test]
    fn the_stored_fields_put_back_give_the_details_before() {
        let before = tea();
        let after = Details::parse("紫阳富硒绿茶", "500克/盒", "76", "汉水").unwrap();
        let changes = field_changes(&before, &after);
        assert_eq!(after.with_stored(&before.stored(&changes)), before);
        assert_eq!(before.with_stored(&after.stored(&changes)), after);
        // Only what changed is stored.
        let price_only = Details {
            unit_price_fen: 4_200,
            ..before.clone()
        };
        let stored = before.stored(&field_changes(&before, &price_only));
        assert_eq!(stored, r#"{"unit_price_yuan":3800}"#);
        // The event alone says what changed.
        let told: Vec<String> = stored_changes(&stored, &price_only.stored(&field_changes(&before, &price_only)))
            .iter()
            .map(FieldChange::describe)
            .collect();
        assert_eq!(told, ["单价（元）：38.00 → 42.00"]);
    }

    #[rstest]
    #[case("not json")]
    #[case("[1,2]")]
    #[case(r#"{"unit_price_yuan":"free","colour":"red"}"#)]
    fn what_cannot_be_read_leaves_the_details_alone(#[case] stored: &str) {
        assert_eq!(tea().with_stored(stored), tea());
    }

    #[rstest]
    #[case("", "250克/盒", "38", "", "产品名称：请填写。")]
    #[case("茶", " ", "38", "", "规格：请填写。")]
    #[case("茶", "盒", "", "", "单价（元）：请填写。")]
    #[case("茶", "盒", "0", "", "单价（元）：应大于 0。")]
    #[case("茶", "盒", "三十八", "", "单价（元）：")]
    fn bad_input_is_refused_in_the_words_of_the_form(
        #[case] name: &str,
        #[case] specification: &str,
        #[case] price: &str,
        #[case] trademark: &str,
        #[case] message: &str,
    ) {
        let error = Details::parse(name, specification, price, trademark).unwrap_err();
        assert!(error.to_string().starts_with(message), "{error}");
    }

    #[test]
    fn long_text_and_reasons_are_refused_with_their_length() {
        let long = "茶".repeat(61);
        assert_eq!(
            Details::parse(&long, "盒", "1", "").unwrap_err().to_string(),
            "产品名称：最多 60 个字，现有 61 个。"
        );
        assert!(reason("  ").is_err());
        assert!(reason(&"因".repeat(301)).is_err());
        assert_eq!(reason(" 供应商调价 ").unwrap(), "供应商调价");
    }
}
