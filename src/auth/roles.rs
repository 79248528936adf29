//! Who may call a handler, as extractors: a handler names the role it serves in its arguments,
//! and a caller without it never reaches the handler's body. A visitor is sent to sign in; a
//! signed-in user of another role gets 403; a user still holding a temporary password is sent to
//! change it, whatever the route.
//!
//! The identity behind them is resolved once per request by the web layer's `identify`
//! middleware (cookie checked against the database) and left in the request's extensions.

use std::future::{Ready, ready};
use std::ops::Deref;

use actix_web::dev::Payload;
use actix_web::http::Method;
use actix_web::{FromRequest, HttpMessage, HttpRequest};

use super::CurrentUser;
use crate::domain::region::City;
use crate::domain::{CountyCode, OrgKind, region};
use crate::error::AppError;

/// Who the request comes from, as resolved for this request: `None` for a visitor.
#[derive(Debug, Clone, Default)]
pub struct Identity(pub Option<CurrentUser>);

fn identity(req: &HttpRequest) -> Option<CurrentUser> {
    req.extensions().get::<Identity>().and_then(|i| i.0.clone())
}

/// Where to come back to after signing in: the page asked for. A form sent while signed out
/// cannot be sent again by a redirect, so it goes back to the start.
fn next_of(req: &HttpRequest) -> String {
    if matches!(*req.method(), Method::GET | Method::HEAD) {
        req.uri()
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| "/".to_owned())
    } else {
        "/".to_owned()
    }
}

/// Signed in, whether or not the temporary password has been changed.
fn signed_in(req: &HttpRequest) -> Result<CurrentUser, AppError> {
    identity(req).ok_or_else(|| AppError::Unauthorized { next: next_of(req) })
}

/// Signed in and past the temporary password.
fn working(req: &HttpRequest) -> Result<CurrentUser, AppError> {
    let user = signed_in(req)?;
    if user.must_change_password {
        return Err(AppError::MustChangePassword);
    }
    Ok(user)
}

/// Signed in as one of `kinds`.
fn one_of(req: &HttpRequest, kinds: &[OrgKind], who: &str) -> Result<CurrentUser, AppError> {
    let user = working(req)?;
    if kinds.contains(&user.kind) {
        Ok(user)
    } else {
        Err(AppError::Forbidden(format!("此页面仅供{who}使用。")))
    }
}

macro_rules! extractor {
    ($name:ty, |$req:ident| $body:expr) => {
        impl FromRequest for $name {
            type Error = AppError;
            type Future = Ready<Result<Self, AppError>>;

            fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
                fn resolve($req: &HttpRequest) -> Result<$name, AppError> {
                    $body
                }
                ready(resolve(req))
            }
        }
    };
}

macro_rules! derefs_to_user {
    ($name:ty, |$s:ident| $user:expr) => {
        impl Deref for $name {
            type Target = CurrentUser;
            fn deref(&self) -> &CurrentUser {
                let $s = self;
                $user
            }
        }
    };
}

// Any signed-in user past the temporary password.
extractor!(CurrentUser, |req| working(req));

/// Any signed-in user, even one who must still change the temporary password: the password page
/// and signing out.
#[derive(Debug, Clone)]
pub struct PasswordChanger(pub CurrentUser);
extractor!(PasswordChanger, |req| signed_in(req).map(PasswordChanger));
derefs_to_user!(PasswordChanger, |s| &s.0);

/// The user if one is signed in (and past the temporary password), for public pages that show
/// more to some users; a visitor is `None`.
#[derive(Debug, Clone)]
pub struct MaybeUser(pub Option<CurrentUser>);
extractor!(MaybeUser, |req| Ok(MaybeUser(
    identity(req).filter(|u| !u.must_change_password)
)));

impl MaybeUser {
    pub fn is_office(&self) -> bool {
        self.0.as_ref().is_some_and(CurrentUser::is_office)
    }
}

/// The provincial command office.
#[derive(Debug, Clone)]
pub struct Office(pub CurrentUser);
extractor!(Office, |req| one_of(req, &[OrgKind::Office], "省总工会指挥部办公室")
    .map(Office));
derefs_to_user!(Office, |s| &s.0);

/// A city union, with its city.
#[derive(Debug, Clone)]
pub struct CityUnion {
    pub user: CurrentUser,
    pub city: &'static City,
}
extractor!(CityUnion, |req| {
    let user = one_of(req, &[OrgKind::CityUnion], "市总工会")?;
    let city = user
        .city_code
        .as_deref()
        .and_then(region::city)
        .ok_or_else(|| AppError::Forbidden("您的账号没有对应的市，请联系省总工会指挥部办公室。".to_owned()))?;
    Ok(CityUnion { user, city })
});
derefs_to_user!(CityUnion, |s| &s.user);

/// A county union, with its county.
#[derive(Debug, Clone)]
pub struct CountyUnion {
    pub user: CurrentUser,
    pub county: CountyCode,
}
extractor!(CountyUnion, |req| {
    let user = one_of(req, &[OrgKind::CountyUnion], "县区总工会")?;
    let county = CountyCode::parse(user.county_code.as_deref().unwrap_or_default())
        .map_err(|_| AppError::Forbidden("您的账号没有对应的县区，请联系省总工会指挥部办公室。".to_owned()))?;
    Ok(CountyUnion { user, county })
});
derefs_to_user!(CountyUnion, |s| &s.user);

/// A grassroots union (基层工会).
#[derive(Debug, Clone)]
pub struct Grassroots(pub CurrentUser);
extractor!(Grassroots, |req| one_of(req, &[OrgKind::GrassrootsUnion], "基层工会")
    .map(Grassroots));
derefs_to_user!(Grassroots, |s| &s.0);

/// Those who handle nominations: the office, city and county unions. What each may see of them
/// is narrowed by region ([`CurrentUser::can_view_county`]).
#[derive(Debug, Clone)]
pub struct Staff(pub CurrentUser);
extractor!(Staff, |req| one_of(
    req,
    &[OrgKind::Office, OrgKind::CityUnion, OrgKind::CountyUnion],
    "县区、市总工会和省总工会指挥部办公室"
)
.map(Staff));
derefs_to_user!(Staff, |s| &s.0);

/// Those who keep traceability records: the office (every product) and county unions (their
/// county's products, checked against the product).
#[derive(Debug, Clone)]
pub struct TraceKeeper(pub CurrentUser);
extractor!(TraceKeeper, |req| one_of(
    req,
    &[OrgKind::Office, OrgKind::CountyUnion],
    "省总工会指挥部办公室和县区总工会"
)
.map(TraceKeeper));
derefs_to_user!(TraceKeeper, |s| &s.0);

/// Those who oversee several counties: the office (all) and city unions (their own).
#[derive(Debug, Clone)]
pub struct CityOrOffice(pub CurrentUser);
extractor!(CityOrOffice, |req| one_of(
    req,
    &[OrgKind::Office, OrgKind::CityUnion],
    "省总工会指挥部办公室和市总工会"
)
.map(CityOrOffice));
derefs_to_user!(CityOrOffice, |s| &s.0);

/// Those who create and manage grassroots unions: the office (all of them) and the reporting
/// unions — city unions, 省级产业工会, 单列单位工会 — their own.
#[derive(Debug, Clone)]
pub struct UnionManager(pub CurrentUser);
extractor!(UnionManager, |req| one_of(
    req,
    &[
        OrgKind::Office,
        OrgKind::CityUnion,
        OrgKind::IndustryUnion,
        OrgKind::StandaloneUnion
    ],
    "省总工会指挥部办公室和市总工会、省级产业工会、单列单位工会"
)
.map(UnionManager));
derefs_to_user!(UnionManager, |s| &s.0);

impl UnionManager {
    /// The unions whose grassroots unions this manager sees: its own, or all for the office.
    pub fn parent_filter(&self) -> Option<i32> {
        (self.kind != OrgKind::Office).then_some(self.org_id)
    }

    /// Whether a grassroots union in `county` may sit under this manager: a city union's sit in
    /// its own counties; an industry or standalone union's anywhere in the province.
    pub fn may_place_in(&self, county: &str) -> bool {
        match self.kind {
            OrgKind::CityUnion => {
                region::county(county).is_some_and(|c| Some(c.city_code) == self.city_code.as_deref())
            }
            _ => true,
        }
    }
}

/// A seller (供应商／销售商): sees and delivers the orders for its products.
#[derive(Debug, Clone)]
pub struct Seller(pub CurrentUser);
extractor!(Seller, |req| one_of(req, &[OrgKind::Seller], "供应商／销售商")
    .map(Seller));
derefs_to_user!(Seller, |s| &s.0);

/// Those who see orders: the grassroots union that placed it, the seller that delivers it, the
/// office. Which orders each sees is narrowed by `db::orders::Party`.
#[derive(Debug, Clone)]
pub struct OrderParty(pub CurrentUser);
extractor!(OrderParty, |req| one_of(
    req,
    &[OrgKind::Office, OrgKind::GrassrootsUnion, OrgKind::Seller],
    "下单的基层工会、供货的销售商和省总工会指挥部办公室"
)
.map(OrderParty));
derefs_to_user!(OrderParty, |s| &s.0);

/// The unions that file the annual report (附件1) for the unions under them: city unions,
/// 省级产业工会, 单列单位工会.
#[derive(Debug, Clone)]
pub struct Reporter(pub CurrentUser);
extractor!(Reporter, |req| one_of(
    req,
    &OrgKind::REPORTING,
    "市总工会、省级产业工会和单列单位工会"
)
.map(Reporter));
derefs_to_user!(Reporter, |s| &s.0);

/// Those who see purchase statistics: the office (the province), the reporting unions (the unions
/// under them) and county unions (purchases of their county's products).
#[derive(Debug, Clone)]
pub struct StatsViewer(pub CurrentUser);
extractor!(StatsViewer, |req| one_of(
    req,
    &[
        OrgKind::Office,
        OrgKind::CityUnion,
        OrgKind::IndustryUnion,
        OrgKind::StandaloneUnion,
        OrgKind::CountyUnion
    ],
    "省总工会指挥部办公室，市、县区总工会，省级产业工会和单列单位工会"
)
.map(StatsViewer));
derefs_to_user!(StatsViewer, |s| &s.0);
