//! Sellers: the office creates seller accounts — a catalogue supplier, or a distributor it links
//! to the products it sells.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::Office;
use crate::auth::password::{hash_temporary_password, temporary_password};
use crate::db::sellers::{self, NewSeller, SellerLine};
use crate::domain::{CatalogueCode, CreditCode, PhoneNumber};
use crate::error::AppError;
use crate::web::nav::Nav;
use crate::web::office::accounts::valid_username;
use crate::web::{State, render_with};

#[derive(Template)]
#[template(path = "office/sellers.html")]
struct SellersPage {
    nav: Nav,
    sellers: Vec<SellerLine>,
    message: Option<String>,
}

async fn show(state: &State, nav: Nav, message: Option<String>) -> Result<HttpResponse, AppError> {
    let sellers = state.db(sellers::list).await?;
    render_with(StatusCode::OK, &SellersPage { nav, sellers, message })
}

pub async fn list(state: State, _office: Office, nav: Nav) -> Result<HttpResponse, AppError> {
    show(&state, nav, None).await
}

#[derive(Deserialize)]
pub struct CreateForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    credit_code: String,
    #[serde(default)]
    contact_name: String,
    #[serde(default)]
    contact_phone: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
}

pub async fn create(
    state: State,
    office: Office,
    nav: Nav,
    form: web::Form<CreateForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let mut problems = Vec::new();
    let name: String = form.name.trim().chars().take(80).collect();
    if name.is_empty() {
        problems.push("请填写销售商名称。".to_owned());
    }
    let credit_code = match form.credit_code.trim() {
        "" => None,
        c => match CreditCode::parse(c) {
            Ok(c) => Some(c.to_string()),
            Err(e) => {
                problems.push(format!("统一社会信用代码：{e}"));
                None
            }
        },
    };
    let contact_name: String = form.contact_name.trim().chars().take(40).collect();
    if contact_name.is_empty() {
        problems.push("请填写联系人。".to_owned());
    }
    let contact_phone = match PhoneNumber::parse(form.contact_phone.trim()) {
        Ok(p) => p.to_string(),
        Err(e) => {
            problems.push(format!("联系电话：{e}"));
            String::new()
        }
    };
    let username = form.username.trim().to_owned();
    if !valid_username(&username) {
        problems.push("用户名应为 3 至 40 位字母、数字或 - _ . 符号。".to_owned());
    }
    let display_name: String = form.display_name.trim().chars().take(40).collect();
    if display_name.is_empty() {
        problems.push("请填写账号使用人姓名。".to_owned());
    }
    if !problems.is_empty() {
        return Err(AppError::BadRequest(problems.join(" ")));
    }
    let password = temporary_password();
    let password_hash = hash_temporary_password(&password).map_err(|e| AppError::Internal(e.to_string()))?;
    let seller = NewSeller {
        name: name.clone(),
        supplier_credit_code: credit_code,
        contact_name,
        contact_phone,
        username: username.clone(),
        display_name,
        password_hash,
    };
    let actor = office.actor();
    state.db(move |conn| sellers::create(conn, &seller, &actor)).await?;
    let message = format!("销售商“{name}”已创建，账号“{username}”，临时密码：{password}（请转告本人，首次登录须修改）");
    show(&state, nav, Some(message)).await
}

#[derive(Deserialize)]
pub struct LinkForm {
    #[serde(default)]
    codes: String,
}

/// Links a distributor to products, by catalogue codes separated by spaces, commas or lines.
pub async fn link_products(
    state: State,
    office: Office,
    nav: Nav,
    path: web::Path<i32>,
    form: web::Form<LinkForm>,
) -> Result<HttpResponse, AppError> {
    let seller_id = path.into_inner();
    let mut codes = Vec::new();
    let mut bad = Vec::new();
    for text in form
        .codes
        .split(|c: char| c.is_whitespace() || ",，、;；".contains(c))
        .filter(|t| !t.is_empty())
    {
        match CatalogueCode::parse(text) {
            Ok(c) => codes.push(c),
            Err(_) => bad.push(text.chars().take(30).collect::<String>()),
        }
    }
    if !bad.is_empty() {
        return Err(AppError::BadRequest(format!(
            "这些不是目录编号（应如 610924-00001）：{}",
            bad.join("、")
        )));
    }
    if codes.is_empty() {
        return Err(AppError::BadRequest("请填写要关联的产品目录编号。".to_owned()));
    }
    if codes.len() > 2_000 {
        return Err(AppError::BadRequest("一次最多关联 2000 种产品。".to_owned()));
    }
    let actor = office.actor();
    let added = state
        .db(move |conn| sellers::link_products(conn, seller_id, &codes, &actor))
        .await?;
    show(&state, nav, Some(format!("已关联 {added} 种产品。"))).await
}
