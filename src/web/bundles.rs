//! Festival bundles as everyone sees them: the published list and a bundle's page, every line
//! linked to its product and traceability record, flagged at once when a product leaves the
//! catalogue, with substitutes.

use actix_web::{HttpResponse, web};
use askama::Template;

use super::nav::Nav;
use super::{State, render};
use crate::db::bundles::{self, Bundle, BundleLine};
use crate::domain::spending::BundleStatus;
use crate::domain::{Fen, region};
use crate::error::AppError;
use crate::search::ProductDoc;
use crate::web::china_time;
use crate::web::state::AppState;

/// A product offered in place of one that left the catalogue.
pub struct SubstituteView {
    pub id: i32,
    pub code: String,
    pub name: String,
    pub place: String,
    pub price: String,
}

impl From<&ProductDoc> for SubstituteView {
    fn from(p: &ProductDoc) -> Self {
        SubstituteView {
            id: p.id,
            code: p.catalogue_code.clone(),
            name: p.name.clone(),
            place: format!("{}{}", p.city_name, p.county_name),
            price: Fen(p.unit_price_fen).to_string(),
        }
    }
}

/// Where the lines of an editable bundle or plan are changed (`/union/plans/7/lines`), and whether
/// a line's substitutes can replace it in place.
pub struct LineEdit {
    pub base: String,
    pub substitute: bool,
}

/// One line of a bundle or a plan as pages show it.
pub struct LineView {
    pub id: i32,
    pub product_id: i32,
    pub code: String,
    pub name: String,
    pub specification: String,
    pub category: String,
    pub place: String,
    pub poverty_county: bool,
    /// The poverty-region kind, when it says more than the county's status.
    pub poverty_label: Option<&'static str>,
    pub poor_people: i32,
    pub supplier: String,
    pub quantity: i32,
    pub unit_price: String,
    pub line_price: String,
    /// The catalogue's price today, when it differs from the line's.
    pub price_now: Option<String>,
    /// Why the product left the catalogue and when; `None` while it is listed.
    pub flag: Option<String>,
    pub substitutes: Vec<SubstituteView>,
}

impl LineView {
    /// A line of `product` at `unit_price` each, `quantity` per person.
    pub fn new(
        id: i32,
        product: &crate::db::lines::LineProduct,
        left: Option<&(String, chrono::NaiveDateTime)>,
        quantity: i32,
        unit_price: Fen,
    ) -> Self {
        let county = region::county(&product.county_code);
        let status = product.status();
        LineView {
            id,
            product_id: product.id,
            code: product.catalogue_code.clone(),
            name: product.name.clone(),
            specification: product.specification.clone(),
            category: product.category.clone(),
            place: county.map(|c| format!("{}{}", c.city_name, c.name)).unwrap_or_default(),
            poverty_county: county.is_some_and(|c| c.former_poverty_county),
            poverty_label: (product.poverty_kind() != crate::domain::PovertyRegionKind::PovertyCounty)
                .then(|| product.poverty_kind().label()),
            poor_people: product.poor_people_supported,
            supplier: product.supplier_name.clone(),
            quantity,
            unit_price: unit_price.to_string(),
            line_price: Fen(unit_price.0 * i64::from(quantity)).to_string(),
            price_now: (product.unit_price_fen != unit_price.0).then(|| Fen(product.unit_price_fen).to_string()),
            flag: (!product.is_listed()).then(|| match left {
                Some((reason, at)) => format!("该产品已于 {} {}：{reason}", china_time(*at), status.label()),
                None => format!("该产品目前{}", status.label()),
            }),
            substitutes: Vec::new(),
        }
    }

    /// Offers substitutes when the line is flagged.
    pub fn with_substitutes(
        mut self,
        state: &AppState,
        product: &crate::db::lines::LineProduct,
        exclude: &[i32],
    ) -> Self {
        if self.flag.is_some() {
            self.substitutes = super::substitutes::for_product(state, product, exclude)
                .iter()
                .map(SubstituteView::from)
                .collect();
        }
        self
    }
}

pub fn bundle_line(state: &AppState, bundle: &Bundle, l: &BundleLine) -> LineView {
    let exclude: Vec<i32> = bundle.lines.iter().map(|l| l.product.id).collect();
    LineView::new(
        l.line.id,
        &l.product,
        l.left.as_ref(),
        l.line.quantity_per_person,
        l.unit_price(),
    )
    .with_substitutes(state, &l.product, &exclude)
}

/// A bundle in a list.
pub struct BundleSummary {
    pub id: i32,
    pub name: String,
    pub festival: &'static str,
    pub year: i32,
    pub status: BundleStatus,
    pub per_person: String,
    pub lines: usize,
    pub flagged: usize,
    pub description: String,
}

impl From<&Bundle> for BundleSummary {
    fn from(b: &Bundle) -> Self {
        BundleSummary {
            id: b.row.id,
            name: b.row.name.clone(),
            festival: b.row.festival().label(),
            year: b.row.year,
            status: b.row.status(),
            per_person: b.per_person().to_string(),
            lines: b.lines.len(),
            flagged: b.flagged().len(),
            description: b.row.description.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "bundles/list.html")]
struct ListPage {
    nav: Nav,
    bundles: Vec<BundleSummary>,
}

/// Published bundles: what unions may buy centrally, and members take as a reference.
pub async fn list(state: State, nav: Nav) -> Result<HttpResponse, AppError> {
    let found = state
        .db(|conn| bundles::list(conn, Some(BundleStatus::Published)))
        .await?;
    render(&ListPage {
        nav,
        bundles: found.iter().map(BundleSummary::from).collect(),
    })
}

#[derive(Template)]
#[template(path = "bundles/page.html")]
struct BundlePage {
    nav: Nav,
    bundle: BundleSummary,
    published_on: String,
    lines: Vec<LineView>,
    poor_people: i32,
    can_plan: bool,
    /// A public page changes nothing.
    edit: Option<LineEdit>,
}

/// A published (or retired) bundle's public page.
pub async fn page(state: State, nav: Nav, path: web::Path<i32>) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let bundle = state
        .db(move |conn| bundles::load(conn, id))
        .await?
        .filter(|b| b.row.status() != BundleStatus::Draft)
        .ok_or_else(|| AppError::NotFound("没有这个礼包。".to_owned()))?;
    let lines: Vec<LineView> = bundle.lines.iter().map(|l| bundle_line(&state, &bundle, l)).collect();
    let can_plan = nav
        .user
        .as_ref()
        .is_some_and(|u| u.kind == crate::domain::OrgKind::GrassrootsUnion)
        && bundle.row.status() == BundleStatus::Published;
    render(&BundlePage {
        nav,
        published_on: bundle.row.published_at.map(china_time).unwrap_or_default(),
        poor_people: lines.iter().map(|l| l.poor_people).sum(),
        bundle: BundleSummary::from(&bundle),
        lines,
        can_plan,
        edit: None,
    })
}
