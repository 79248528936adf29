//! The database layer on whichever backend the suite runs against.

use diesel::prelude::*;
use fupin_catalog::db::events::NewEvent;
use fupin_catalog::db::schema::{cities, counties, events};
use fupin_catalog::db::suppliers::NewSupplier;
use fupin_catalog::db::{self, now, regions};
use fupin_catalog::domain::CountyCode;

use crate::helpers::test_db;

#[test]
fn migration_seeds_ten_cities_and_107_counties() {
    let mut t = test_db();
    assert_eq!(regions::all_cities(&mut t.conn).unwrap().len(), 10);
    let counties = regions::all_counties(&mut t.conn).unwrap();
    assert_eq!(counties.len(), 107);
    assert_eq!(counties.iter().filter(|c| c.former_poverty_county).count(), 56);
    let ziyang = counties.iter().find(|c| c.code == "610924").unwrap();
    assert_eq!(
        (
            ziyang.name.as_str(),
            ziyang.city_code.as_str(),
            ziyang.poverty_exit_year
        ),
        ("紫阳县", "610900", Some(2019))
    );
}

#[test]
fn migrating_again_changes_nothing() {
    let mut t = test_db();
    assert!(db::migrate(&mut t.conn).unwrap().is_empty());
    let n: i64 = counties::table.count().get_result(&mut t.conn).unwrap();
    let c: i64 = cities::table.count().get_result(&mut t.conn).unwrap();
    assert_eq!((n, c), (107, 10));
}

#[test]
fn seeding_repairs_a_changed_county() {
    let mut t = test_db();
    diesel::update(counties::table.find("610981"))
        .set(counties::name.eq("旬阳县"))
        .execute(&mut t.conn)
        .unwrap();
    regions::seed(&mut t.conn).unwrap();
    let name: String = counties::table
        .find("610981")
        .select(counties::name)
        .first(&mut t.conn)
        .unwrap();
    assert_eq!(name, "旬阳市");
}

fn an_event() -> NewEvent {
    NewEvent {
        entity_kind: "product".into(),
        entity_id: 1,
        action: "suspend".into(),
        from_state: Some("listed".into()),
        to_state: Some("suspended".into()),
        actor_user_id: None,
        actor_label: "测试".into(),
        reason: "抽检不合格".into(),
        occurred_at: now(),
    }
}

#[test]
fn events_can_be_added_but_never_changed_or_removed() {
    let mut t = test_db();
    an_event().record(&mut t.conn).unwrap();
    let history = db::events::history(&mut t.conn, fupin_catalog::domain::Subject::Product, 1).unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].reason, "抽检不合格");

    let update = diesel::update(events::table)
        .set(events::reason.eq("改写历史"))
        .execute(&mut t.conn);
    assert!(update.is_err(), "an event was rewritten");
    let delete = diesel::delete(events::table).execute(&mut t.conn);
    assert!(delete.is_err(), "an event was deleted");
    assert_eq!(
        db::events::history(&mut t.conn, fupin_catalog::domain::Subject::Product, 1).unwrap()[0].reason,
        "抽检不合格"
    );
}

#[test]
fn catalogue_codes_continue_and_are_never_given_twice() {
    let mut t = test_db();
    let zhouzhi = CountyCode::parse("610124").unwrap();
    let meixian = CountyCode::parse("610326").unwrap();
    let first = db::products::reserve_catalogue_codes(&mut t.conn, &zhouzhi, 2).unwrap();
    let other = db::products::reserve_catalogue_codes(&mut t.conn, &meixian, 1).unwrap();
    let second = db::products::reserve_catalogue_codes(&mut t.conn, &zhouzhi, 1).unwrap();
    let codes: Vec<&str> = first.iter().chain(&second).map(|c| c.as_str()).collect();
    assert_eq!(codes, ["610124-00001", "610124-00002", "610124-00003"]);
    assert_eq!(other[0].as_str(), "610326-00001");
}

fn a_supplier(credit_code: &str) -> NewSupplier {
    NewSupplier {
        credit_code: credit_code.into(),
        name: "周至县示例果业专业合作社".into(),
        county_code: "610124".into(),
        address: None,
        contact_name: "王示例".into(),
        contact_phone: "13800000001".into(),
        created_at: now(),
        updated_at: now(),
    }
}

#[test]
fn a_credit_code_names_one_supplier_only() {
    let mut t = test_db();
    a_supplier("93610124MA0000001X").insert(&mut t.conn).unwrap();
    assert!(a_supplier("93610124MA0000001X").insert(&mut t.conn).is_err());
}

#[test]
fn a_supplier_must_sit_in_a_known_county() {
    let mut t = test_db();
    let mut s = a_supplier("93610124MA0000002X");
    s.county_code = "999999".into();
    assert!(s.insert(&mut t.conn).is_err(), "foreign keys must be enforced");
}

#[test]
fn a_failed_multi_row_change_leaves_nothing_behind() {
    let mut t = test_db();
    let result: Result<(), diesel::result::Error> = t.conn.transaction(|conn| {
        a_supplier("93610124MA0000003X")
            .insert(conn)
            .map_err(|_| diesel::result::Error::RollbackTransaction)?;
        a_supplier("93610124MA0000003X")
            .insert(conn)
            .map_err(|_| diesel::result::Error::RollbackTransaction)?;
        Ok(())
    });
    assert!(result.is_err());
    assert_eq!(db::suppliers::Supplier::count(&mut t.conn).unwrap(), 0);
}
