//! Spending policies (额度政策): the office records each with its cap, period, scope and form.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::NaiveDate;
use serde::Deserialize;

use crate::auth::Office;
use crate::db::policies::{self, PolicyRow};
use crate::domain::spending::{Cap, Channel, GiftForm, Policy, PolicyStatus};
use crate::domain::{Fen, PovertyRegionKind};
use crate::error::AppError;
use crate::web::nav::Nav;
use crate::web::{State, render_with, see_other};

/// A policy as the list shows it.
pub struct PolicyLine {
    pub id: i32,
    pub name: String,
    pub document_no: String,
    pub cap: String,
    pub period: String,
    pub scope: String,
    pub form: &'static str,
    pub on_top: bool,
    pub status: PolicyStatus,
}

impl From<&PolicyRow> for PolicyLine {
    fn from(row: &PolicyRow) -> Self {
        let p = row.policy();
        PolicyLine {
            id: row.id,
            name: row.name.clone(),
            document_no: row.document_no.clone(),
            cap: cap_label(p.cap),
            period: format!("{} 至 {}", p.valid_from, p.valid_to),
            scope: scope_label(&p),
            form: p.form.label(),
            on_top: p.on_top_of_festival,
            status: row.status(),
        }
    }
}

pub fn cap_label(cap: Cap) -> String {
    match cap {
        Cap::Fixed(f) => format!("每人不超过 {f} 元"),
        Cap::UnionStandard => "按各单位年度节日慰问品标准".to_owned(),
    }
}

pub fn scope_label(p: &Policy) -> String {
    let kinds = if p.region_kinds.is_empty() {
        "各类扶贫地区".to_owned()
    } else {
        p.region_kinds.iter().map(|k| k.label()).collect::<Vec<_>>().join("、")
    };
    let province = if p.province_only { "，限本省" } else { "" };
    format!("{kinds}{province}")
}

/// The policy form as typed; multi-valued checkboxes arrive as lists.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PolicyForm {
    pub name: String,
    pub document_no: String,
    pub cap_kind: String,
    pub cap_yuan: String,
    pub valid_from: String,
    pub valid_to: String,
    pub on_top: Option<String>,
    pub region_kinds: Vec<String>,
    pub province_only: Option<String>,
    pub channels: Vec<String>,
    pub gift_form: String,
    pub note: String,
}

impl PolicyForm {
    fn from_row(row: &PolicyRow) -> Self {
        let p = row.policy();
        PolicyForm {
            name: p.name.clone(),
            document_no: p.document_no.clone(),
            cap_kind: match p.cap {
                Cap::Fixed(_) => "fixed".into(),
                Cap::UnionStandard => "union_standard".into(),
            },
            cap_yuan: match p.cap {
                Cap::Fixed(f) => f.to_string(),
                Cap::UnionStandard => String::new(),
            },
            valid_from: p.valid_from.to_string(),
            valid_to: p.valid_to.to_string(),
            on_top: p.on_top_of_festival.then(|| "1".into()),
            region_kinds: p.region_kinds.iter().map(|k| k.as_str().into()).collect(),
            province_only: p.province_only.then(|| "1".into()),
            channels: p.channels.iter().map(|c| c.as_str().into()).collect(),
            gift_form: p.form.as_str().into(),
            note: row.note.clone(),
        }
    }

    pub fn has_kind(&self, kind: &str) -> bool {
        self.region_kinds.iter().any(|k| k == kind)
    }

    pub fn has_channel(&self, channel: &str) -> bool {
        self.channels.iter().any(|c| c == channel)
    }

    /// Every field checked; all problems reported together.
    fn parse(&self) -> Result<Policy, Vec<String>> {
        let mut errors = Vec::new();
        let name = self.name.trim();
        if name.is_empty() {
            errors.push("请填写政策名称。".to_owned());
        } else if name.chars().count() > 100 {
            errors.push("政策名称最多 100 个字。".to_owned());
        }
        let cap = match self.cap_kind.as_str() {
            "union_standard" => Some(Cap::UnionStandard),
            _ => match Fen::parse_yuan(&self.cap_yuan) {
                Ok(f) if f.0 > 0 => Some(Cap::Fixed(f)),
                Ok(_) => {
                    errors.push("每人额度应大于 0 元。".to_owned());
                    None
                }
                Err(e) => {
                    errors.push(format!("每人额度：{e}"));
                    None
                }
            },
        };
        let date =
            |label: &str, s: &str, errors: &mut Vec<String>| match NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d") {
                Ok(d) => Some(d),
                Err(_) => {
                    errors.push(format!("{label}“{}”无效，应为 2020-09-01 这样的格式。", s.trim()));
                    None
                }
            };
        let from = date("开始日期", &self.valid_from, &mut errors);
        let to = date("截止日期", &self.valid_to, &mut errors);
        if let (Some(f), Some(t)) = (from, to)
            && t < f
        {
            errors.push("截止日期不能早于开始日期。".to_owned());
        }
        let mut region_kinds = Vec::new();
        for k in &self.region_kinds {
            match PovertyRegionKind::parse(k) {
                Some(kind) => region_kinds.push(kind),
                None => errors.push(format!("扶贫地区类型“{k}”无效。")),
            }
        }
        let mut channels = Vec::new();
        for c in &self.channels {
            match Channel::parse(c) {
                Some(ch) => channels.push(ch),
                None => errors.push(format!("采购渠道“{c}”无效。")),
            }
        }
        let form = GiftForm::parse(&self.gift_form);
        if form.is_none() {
            errors.push("请选择发放形式（实物或消费券，不得发放现金）。".to_owned());
        }
        match (cap, from, to, form) {
            (Some(cap), Some(valid_from), Some(valid_to), Some(form)) if errors.is_empty() => Ok(Policy {
                name: name.to_owned(),
                document_no: self.document_no.trim().to_owned(),
                cap,
                valid_from,
                valid_to,
                on_top_of_festival: self.on_top.is_some(),
                region_kinds,
                province_only: self.province_only.is_some(),
                channels,
                form,
            }),
            _ => Err(errors),
        }
    }
}

#[derive(Template)]
#[template(path = "office/policies.html")]
struct PoliciesPage {
    nav: Nav,
    policies: Vec<PolicyLine>,
    form: PolicyForm,
    editing: Option<i32>,
    errors: Vec<String>,
    kinds: Vec<(&'static str, &'static str)>,
    channels: Vec<(&'static str, &'static str)>,
    forms: Vec<(&'static str, &'static str)>,
}

/// Values and labels for a set of checkboxes or a select.
type Choices = Vec<(&'static str, &'static str)>;

fn choices() -> (Choices, Choices, Choices) {
    (
        PovertyRegionKind::ALL.iter().map(|k| (k.as_str(), k.label())).collect(),
        Channel::ALL.iter().map(|c| (c.as_str(), c.label())).collect(),
        GiftForm::ALL.iter().map(|f| (f.as_str(), f.label())).collect(),
    )
}

async fn show(
    state: &State,
    nav: Nav,
    form: PolicyForm,
    editing: Option<i32>,
    errors: Vec<String>,
) -> Result<HttpResponse, AppError> {
    let rows = state.db(PolicyRow::all).await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let (kinds, channels, forms) = choices();
    render_with(
        status,
        &PoliciesPage {
            nav,
            policies: rows.iter().map(PolicyLine::from).collect(),
            form,
            editing,
            errors,
            kinds,
            channels,
            forms,
        },
    )
}

pub async fn list(state: State, _office: Office, nav: Nav) -> Result<HttpResponse, AppError> {
    let form = PolicyForm {
        cap_kind: "fixed".into(),
        gift_form: GiftForm::InKind.as_str().into(),
        province_only: Some("1".into()),
        ..PolicyForm::default()
    };
    show(&state, nav, form, None, Vec::new()).await
}

fn read_form(body: &web::Bytes) -> Result<PolicyForm, AppError> {
    serde_html_form::from_bytes(body).map_err(|e| AppError::BadRequest(format!("表单内容有误：{e}")))
}

pub async fn create(state: State, office: Office, nav: Nav, body: web::Bytes) -> Result<HttpResponse, AppError> {
    let form = read_form(&body)?;
    let policy = match form.parse() {
        Ok(p) => p,
        Err(errors) => return show(&state, nav, form, None, errors).await,
    };
    let note = form.note.trim().to_owned();
    let created = state
        .db(move |conn| policies::create(conn, &policy, &note, &office.actor()))
        .await;
    match created {
        Ok(_) => Ok(see_other("/office/policies")),
        Err(AppError::Db(e)) if e.is_unique_violation() => {
            let message = format!("已有名为“{}”的政策。", form.name.trim());
            show(&state, nav, form, None, vec![message]).await
        }
        Err(e) => Err(e),
    }
}

pub async fn edit_page(
    state: State,
    _office: Office,
    nav: Nav,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let row = state
        .db(move |conn| PolicyRow::find(conn, id))
        .await?
        .ok_or_else(|| AppError::NotFound(format!("额度政策 {id} 不存在。")))?;
    show(&state, nav, PolicyForm::from_row(&row), Some(id), Vec::new()).await
}

pub async fn update(
    state: State,
    office: Office,
    nav: Nav,
    path: web::Path<i32>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let form = read_form(&body)?;
    let policy = match form.parse() {
        Ok(p) => p,
        Err(errors) => return show(&state, nav, form, Some(id), errors).await,
    };
    let note = form.note.trim().to_owned();
    let updated = state
        .db(move |conn| policies::update(conn, id, &policy, &note, &office.actor()))
        .await;
    match updated {
        Ok(true) => Ok(see_other("/office/policies")),
        Ok(false) => Err(AppError::NotFound(format!("额度政策 {id} 不存在。"))),
        Err(AppError::Db(e)) if e.is_unique_violation() => {
            let message = format!("已有名为“{}”的政策。", form.name.trim());
            show(&state, nav, form, Some(id), vec![message]).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct StatusForm {
    to: String,
}

pub async fn set_status(
    state: State,
    office: Office,
    path: web::Path<i32>,
    form: web::Form<StatusForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let to = PolicyStatus::parse(&form.to).ok_or_else(|| AppError::BadRequest(format!("状态“{}”无效。", form.to)))?;
    let changed = state
        .db(move |conn| policies::set_status(conn, id, to, &office.actor()))
        .await?;
    if !changed {
        return Err(AppError::Conflict(format!(
            "该政策已经是“{}”状态，或不存在。",
            to.label()
        )));
    }
    Ok(see_other("/office/policies"))
}
