//! Grassroots unions (基层工会) and their accounts, created by the office and the reporting unions
//! (city unions, 省级产业工会, 单列单位工会): one at a time, or many from the sheet they keep.

use actix_multipart::Multipart;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::nav::Nav;
use super::upload::{self, SHEET_LIMITS};
use super::{State, render_with};
use crate::auth::UnionManager;
use crate::auth::password::{hash_temporary_password, temporary_password};
use crate::db::organisations::{self, GrassrootsError, GrassrootsLine, NewGrassroots};
use crate::domain::{CountyCode, Fen, OrgKind, PhoneNumber, region};
use crate::error::AppError;
use crate::sheet::{self, UnionInput};
use crate::telemetry::spawn_blocking_in_span;

/// The list shows this many at once; narrow by name or county beyond.
const LIST_LIMIT: i64 = 200;

pub struct UnionLine {
    pub name: String,
    pub place: String,
    pub members: i32,
    pub contact: String,
    pub standard: String,
    pub username: String,
    pub parent: String,
}

impl From<&GrassrootsLine> for UnionLine {
    fn from(g: &GrassrootsLine) -> Self {
        let o = &g.org;
        UnionLine {
            name: o.name.clone(),
            place: o
                .county_code
                .as_deref()
                .and_then(region::county)
                .map(|c| format!("{}{}", c.city_name, c.name))
                .unwrap_or_default(),
            members: o.members.unwrap_or(0),
            contact: format!(
                "{} {}",
                o.contact_name.clone().unwrap_or_default(),
                o.contact_phone.clone().unwrap_or_default()
            ),
            standard: o.festival_standard_fen.map(|f| Fen(f).to_string()).unwrap_or_default(),
            username: g.username.clone().unwrap_or_default(),
            parent: g.parent_name.clone(),
        }
    }
}

/// An account just made, shown once with its temporary password.
pub struct NewAccount {
    pub union: String,
    pub username: String,
    pub password: String,
}

#[derive(Template)]
#[template(path = "unions/list.html")]
struct ListPage {
    nav: Nav,
    manager_name: String,
    is_office: bool,
    unions: Vec<UnionLine>,
    total: i64,
    limit: i64,
    q: String,
    county: String,
    counties: Vec<(&'static str, String)>,
    parents: Vec<(i32, String)>,
    created: Vec<NewAccount>,
    errors: Vec<String>,
    warnings: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    q: String,
    county: String,
}

/// The counties a manager may place grassroots unions in, for the form.
fn counties_for(manager: &UnionManager) -> Vec<(&'static str, String)> {
    region::counties()
        .iter()
        .filter(|c| manager.may_place_in(c.code))
        .map(|c| (c.code, format!("{}{}", c.city_name, c.name)))
        .collect()
}

struct Outcome {
    created: Vec<NewAccount>,
    errors: Vec<String>,
    warnings: Vec<String>,
}

async fn show(
    state: &State,
    manager: UnionManager,
    nav: Nav,
    query: ListQuery,
    outcome: Outcome,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let parent = manager.parent_filter();
    let is_office = manager.kind == OrgKind::Office;
    let (q, county) = (query.q.trim().to_owned(), query.county.trim().to_owned());
    let (lines, total, parents) = {
        let (q, county) = (q.clone(), county.clone());
        state
            .db(move |conn| -> Result<_, AppError> {
                let county = Some(county.as_str()).filter(|c| !c.is_empty());
                let (lines, total) = organisations::grassroots_under(conn, parent, &q, county, LIST_LIMIT)?;
                let parents = if is_office {
                    organisations::reporting_unions(conn)?
                        .into_iter()
                        .map(|o| (o.id, o.name))
                        .collect()
                } else {
                    Vec::new()
                };
                Ok((lines, total, parents))
            })
            .await?
    };
    render_with(
        status,
        &ListPage {
            nav,
            manager_name: manager.org_name.clone(),
            is_office,
            unions: lines.iter().map(UnionLine::from).collect(),
            total,
            limit: LIST_LIMIT,
            q,
            county,
            counties: counties_for(&manager),
            parents,
            created: outcome.created,
            errors: outcome.errors,
            warnings: outcome.warnings,
        },
    )
}

pub async fn list(
    state: State,
    manager: UnionManager,
    nav: Nav,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let outcome = Outcome {
        created: Vec::new(),
        errors: Vec::new(),
        warnings: Vec::new(),
    };
    show(&state, manager, nav, query.into_inner(), outcome, StatusCode::OK).await
}

/// Where new unions go: under the manager, or for the office under the reporting union it chose.
fn parent_of(manager: &UnionManager, chosen: &str) -> Result<i32, String> {
    if manager.kind != OrgKind::Office {
        return Ok(manager.org_id);
    }
    chosen
        .trim()
        .parse::<i32>()
        .map_err(|_| "请选择基层工会的上级工会。".to_owned())
}

/// Makes the accounts, all or none, and says what happened.
async fn create_all(
    state: &State,
    manager: &UnionManager,
    parent_id: i32,
    unions: Vec<UnionInput>,
) -> Result<Outcome, AppError> {
    let refused: Vec<String> = unions
        .iter()
        .filter(|u| !manager.may_place_in(u.county.as_str()))
        .map(|u| {
            format!(
                "“{}”所在的{}不在本市，只能登记本市各县区的基层工会。",
                u.name,
                u.county.county().name
            )
        })
        .collect();
    if !refused.is_empty() {
        return Ok(Outcome {
            created: Vec::new(),
            errors: refused,
            warnings: Vec::new(),
        });
    }
    let actor = manager.actor();
    let is_office = manager.kind == OrgKind::Office;
    let result = state
        .db(move |conn| -> Result<Result<Vec<NewAccount>, String>, AppError> {
            if is_office {
                let reporting = organisations::reporting_unions(conn)?;
                if !reporting.iter().any(|o| o.id == parent_id) {
                    return Ok(Err(
                        "所选的上级工会不是市总工会、省级产业工会或单列单位工会。".to_owned()
                    ));
                }
            }
            let passwords: Vec<String> = unions.iter().map(|_| temporary_password()).collect();
            let hashes = passwords
                .iter()
                .map(|p| hash_temporary_password(p))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| AppError::Internal(e.to_string()))?;
            let new: Vec<NewGrassroots> = unions
                .iter()
                .zip(hashes)
                .map(|(union, password_hash)| NewGrassroots {
                    parent_id,
                    union,
                    password_hash,
                })
                .collect();
            match organisations::create_grassroots(conn, &new, &actor) {
                Ok(usernames) => Ok(Ok(unions
                    .iter()
                    .zip(usernames)
                    .zip(passwords)
                    .map(|((u, username), password)| NewAccount {
                        union: u.name.clone(),
                        username,
                        password,
                    })
                    .collect())),
                Err(e @ GrassrootsError::NamesTaken(_)) => Ok(Err(e.to_string())),
                Err(GrassrootsError::Db(e)) => Err(AppError::Db(e)),
            }
        })
        .await?;
    Ok(match result {
        Ok(created) => Outcome {
            created,
            errors: Vec::new(),
            warnings: Vec::new(),
        },
        Err(e) => Outcome {
            created: Vec::new(),
            errors: vec![e],
            warnings: Vec::new(),
        },
    })
}

#[derive(Deserialize)]
pub struct CreateForm {
    name: String,
    county: String,
    members: String,
    #[serde(default)]
    contact_name: String,
    #[serde(default)]
    contact_phone: String,
    #[serde(default)]
    standard: String,
    #[serde(default)]
    parent_id: String,
}

impl CreateForm {
    fn parse(&self) -> Result<UnionInput, Vec<String>> {
        let mut errors = Vec::new();
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            errors.push("请填写基层工会名称（最多 100 个字）。".to_owned());
        }
        let county = CountyCode::parse(self.county.trim())
            .map_err(|e| errors.push(format!("所在县区：{e}")))
            .ok();
        let members = self
            .members
            .trim()
            .trim_end_matches('人')
            .parse::<u32>()
            .ok()
            .filter(|n| *n > 0)
            .or_else(|| {
                errors.push(format!("职工数“{}”应为大于 0 的整数。", self.members.trim()));
                None
            });
        let phone = match self.contact_phone.trim() {
            "" => None,
            p => PhoneNumber::parse(p)
                .map_err(|e| errors.push(format!("联系电话：{e}")))
                .ok(),
        };
        let standard = match self.standard.trim() {
            "" => None,
            s => Fen::parse_yuan(s)
                .map_err(|e| errors.push(format!("节日慰问品标准：{e}")))
                .ok(),
        };
        match (county, members) {
            (Some(county), Some(members)) if errors.is_empty() => Ok(UnionInput {
                name: name.to_owned(),
                county,
                members,
                contact_name: Some(self.contact_name.trim().to_owned()).filter(|s| !s.is_empty()),
                contact_phone: phone,
                festival_standard: standard,
            }),
            _ => Err(errors),
        }
    }
}

pub async fn create(
    state: State,
    manager: UnionManager,
    nav: Nav,
    form: web::Form<CreateForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let refuse = |errors: Vec<String>| Outcome {
        created: Vec::new(),
        errors,
        warnings: Vec::new(),
    };
    let outcome = match (form.parse(), parent_of(&manager, &form.parent_id)) {
        (Ok(union), Ok(parent)) => create_all(&state, &manager, parent, vec![union]).await?,
        (Err(errors), _) => refuse(errors),
        (_, Err(e)) => refuse(vec![e]),
    };
    let status = if outcome.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    show(&state, manager, nav, ListQuery::default(), outcome, status).await
}

pub async fn upload(
    state: State,
    manager: UnionManager,
    nav: Nav,
    req: HttpRequest,
    body: Multipart,
) -> Result<HttpResponse, AppError> {
    upload::refuse_declared_length(&req, SHEET_LIMITS)?;
    let form = upload::read_upload(body, SHEET_LIMITS).await?;
    let parent = parent_of(&manager, form.field("parent_id"));
    let (filename, bytes) = (form.filename, form.file);
    let refuse = |errors: Vec<String>| Outcome {
        created: Vec::new(),
        errors,
        warnings: Vec::new(),
    };
    let outcome = if bytes.is_empty() {
        refuse(vec!["没有收到文件，或文件是空的。请选择要上传的表格。".to_owned()])
    } else {
        match parent {
            Err(e) => refuse(vec![e]),
            Ok(parent) => {
                let placer = manager.clone();
                let parsed = spawn_blocking_in_span(move || {
                    sheet::parse_union_sheet(&bytes, &filename, |county| placer.may_place_in(county.as_str()))
                })
                .await?;
                match parsed {
                    Err(e) => refuse(e.lines()),
                    Ok(parsed) => {
                        let warnings = parsed.warnings.clone();
                        let rows = parsed.rows.into_iter().map(|(_, u)| u).collect();
                        let mut outcome = create_all(&state, &manager, parent, rows).await?;
                        outcome.warnings = warnings;
                        outcome
                    }
                }
            }
        }
    };
    let status = if outcome.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    show(&state, manager, nav, ListQuery::default(), outcome, status).await
}

pub async fn template(_manager: UnionManager) -> Result<HttpResponse, AppError> {
    let bytes = spawn_blocking_in_span(sheet::union_template_xlsx)
        .await?
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(HttpResponse::Ok()
        .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"unions.xlsx\"; filename*=UTF-8''%E5%9F%BA%E5%B1%82%E5%B7%A5%E4%BC%9A%E5%90%8D%E5%8D%95.xlsx",
        ))
        .body(bytes))
}
