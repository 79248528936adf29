//! A grassroots union's purchase records (采购记录): its received orders, and what it bought
//! elsewhere — on 832, the union mall, at a counter, from a seller directly — recorded with the
//! invoice.

use actix_multipart::Multipart;
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

use super::nav::Nav;
use super::orders::parse_date;
use super::{State, render, see_other, upload};
use crate::auth::Grassroots;
use crate::db::policies::PolicyRow;
use crate::db::purchases::{self, NewPurchase, NewPurchaseLine, Purchase};
use crate::domain::spending::Channel;
use crate::domain::{CatalogueCode, Fen};
use crate::error::AppError;
use crate::web::public::scan::media_url;
use crate::web::scans::china_today;

/// A purchase record in the list.
pub struct PurchaseView {
    pub on: String,
    pub channel: String,
    pub seller: String,
    pub policy: String,
    pub lines: Vec<String>,
    pub amount: String,
    pub people: i32,
    pub order_id: Option<i32>,
    pub evidence: Option<String>,
    pub note: String,
}

impl From<&Purchase> for PurchaseView {
    fn from(p: &Purchase) -> Self {
        PurchaseView {
            on: p.row.purchased_on.to_string(),
            channel: p.row.channel_label(),
            seller: p.row.seller_name.clone(),
            policy: p.policy_name.clone(),
            lines: p
                .lines
                .iter()
                .map(|l| format!("{} × {}（{} 元）", l.name, l.quantity, Fen(l.amount_fen)))
                .collect(),
            amount: Fen(p.row.amount_fen).to_string(),
            people: p.row.people,
            order_id: p.row.order_id,
            evidence: p.row.evidence_path.as_deref().map(media_url),
            note: p.row.note.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "union/purchases.html")]
struct PurchasesPage {
    nav: Nav,
    union_name: String,
    purchases: Vec<PurchaseView>,
    total: String,
    policies: Vec<(i32, String)>,
    channels: Vec<(&'static str, &'static str)>,
    slots: Vec<usize>,
    today: String,
}

/// How many product lines the record form has.
const LINE_SLOTS: usize = 4;

pub async fn list(state: State, union: Grassroots, nav: Nav) -> Result<HttpResponse, AppError> {
    let org_id = union.org_id;
    let (records, policies) = state
        .db(move |conn| -> Result<_, AppError> {
            let records = purchases::of_union(conn, org_id, 500)?;
            let policies: Vec<(i32, String)> = PolicyRow::active(conn)?.into_iter().map(|p| (p.id, p.name)).collect();
            Ok((records, policies))
        })
        .await?;
    let total = Fen(records.iter().map(|p| p.row.amount_fen).sum());
    render(&PurchasesPage {
        nav,
        union_name: union.org_name.clone(),
        purchases: records.iter().map(PurchaseView::from).collect(),
        total: total.to_string(),
        policies,
        channels: Channel::ALL.iter().map(|c| (c.as_str(), c.label())).collect(),
        slots: (0..LINE_SLOTS).collect(),
        today: china_today().to_string(),
    })
}

/// A product line of the form: a catalogue code or a name, quantity and amount.
struct LineInput {
    code: Option<CatalogueCode>,
    name: String,
    quantity: u32,
    amount: Fen,
}

fn line_inputs(form: &upload::UploadForm) -> Result<Vec<LineInput>, Vec<String>> {
    let mut lines = Vec::new();
    let mut problems = Vec::new();
    for k in 0..LINE_SLOTS {
        let field = |name: &str| form.field(&format!("{name}_{k}")).to_owned();
        let (code, name, qty, amount) = (field("code"), field("name"), field("qty"), field("amount"));
        if code.is_empty() && name.is_empty() && qty.is_empty() && amount.is_empty() {
            continue;
        }
        let n = k + 1;
        let code = match code.as_str() {
            "" => None,
            c => match CatalogueCode::parse(c) {
                Ok(c) => Some(c),
                Err(e) => {
                    problems.push(format!("第 {n} 行目录编号：{e}"));
                    None
                }
            },
        };
        if code.is_none() && name.is_empty() {
            problems.push(format!("第 {n} 行：请填写目录编号，或不在目录中的商品名称。"));
        }
        let quantity = qty
            .trim_end_matches('件')
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|q| *q <= 10_000_000);
        if quantity.is_none() {
            problems.push(format!("第 {n} 行数量“{qty}”无效，应为整数。"));
        }
        let amount = Fen::parse_yuan(&amount)
            .map_err(|e| problems.push(format!("第 {n} 行金额：{e}")))
            .ok();
        if let (Some(quantity), Some(amount)) = (quantity, amount) {
            lines.push(LineInput {
                code,
                name: name.chars().take(60).collect(),
                quantity,
                amount,
            });
        }
    }
    if lines.is_empty() && problems.is_empty() {
        problems.push("请至少填写一行商品：目录编号或名称、数量和金额。".to_owned());
    }
    if problems.is_empty() { Ok(lines) } else { Err(problems) }
}

/// Records a purchase made elsewhere, with its invoice (a photo or PDF, required).
pub async fn record(
    state: State,
    union: Grassroots,
    req: HttpRequest,
    body: Multipart,
) -> Result<HttpResponse, AppError> {
    upload::refuse_declared_length(&req, upload::MEDIA_LIMITS)?;
    let form = upload::read_upload(body, upload::MEDIA_LIMITS).await?;
    let mut problems = Vec::new();
    let on = parse_date(form.field("purchased_on"), "采购日期");
    let channel = Channel::parse(form.field("channel"));
    if channel.is_none() {
        problems.push(format!("采购渠道“{}”无效。", form.field("channel")));
    }
    let channel_name: String = form.field("channel_name").chars().take(60).collect();
    if channel == Some(Channel::Other) && channel_name.is_empty() {
        problems.push("渠道选了“其他”，请填写渠道名称。".to_owned());
    }
    let policy_id = form.field("policy_id").parse::<i32>().ok();
    if policy_id.is_none() {
        problems.push("请选择所用的额度政策。".to_owned());
    }
    let people = form
        .field("people")
        .trim_end_matches('人')
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|n| (1..=1_000_000).contains(n));
    if people.is_none() {
        problems.push(format!("人数“{}”无效，应为正整数。", form.field("people")));
    }
    let lines = line_inputs(&form).unwrap_or_else(|mut p| {
        problems.append(&mut p);
        Vec::new()
    });
    if form.file.is_empty() {
        problems.push("请上传发票的照片或 PDF 作为凭证。".to_owned());
    }
    let on = match on {
        Ok(d) => Some(d),
        Err(e) => {
            problems.push(e.to_string());
            None
        }
    };
    let (Some(on), Some(channel), Some(policy_id), Some(people), true) =
        (on, channel, policy_id, people, problems.is_empty())
    else {
        return Err(AppError::BadRequest(problems.join(" ")));
    };
    let seller_name: String = form.field("seller_name").chars().take(80).collect();
    let note: String = form.field("note").chars().take(500).collect();
    let stored = upload::store_file(&state, form.file).await?;
    let written = stored.written.clone();
    let (org_id, actor) = (union.org_id, union.actor());
    let saved = state
        .db(move |conn| -> Result<i32, AppError> {
            PolicyRow::find(conn, policy_id)?
                .ok_or_else(|| AppError::BadRequest("所选的额度政策不存在。".to_owned()))?;
            let mut purchase_lines = Vec::new();
            for l in lines {
                let (product_id, name) = match &l.code {
                    Some(code) => {
                        let product = crate::db::products::Product::find_by_catalogue_code(conn, code)?
                            .ok_or_else(|| AppError::BadRequest(format!("目录中没有编号为 {code} 的产品。")))?;
                        (Some(product.id), product.name)
                    }
                    None => (None, l.name.clone()),
                };
                purchase_lines.push(NewPurchaseLine {
                    product_id,
                    name,
                    quantity: l.quantity,
                    amount: l.amount,
                });
            }
            let purchase = NewPurchase {
                organisation_id: org_id,
                policy_id,
                order_id: None,
                purchased_on: on,
                channel,
                channel_name,
                seller_id: None,
                seller_name,
                amount: Fen(purchase_lines.iter().map(|l| l.amount.0).sum()),
                people,
                note,
                evidence: Some((stored.path, stored.kind.to_owned())),
                lines: purchase_lines,
            };
            Ok(purchases::record(conn, &purchase, &actor)?)
        })
        .await;
    if let Err(e) = saved {
        upload::remove_unused(&state, written).await;
        return Err(e);
    }
    Ok(see_other("/union/purchases"))
}
