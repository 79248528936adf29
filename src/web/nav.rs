//! What every page's frame needs: who is signed in (as resolved for this request) and the CSRF
//! token for the forms on the page. Handlers take it as an argument.

use std::future::{Ready, ready};

use actix_session::SessionExt;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest};

use crate::auth::{CurrentUser, Identity, csrf};
use crate::error::AppError;

pub struct Nav {
    pub user: Option<CurrentUser>,
    pub csrf: String,
}

impl Nav {
    /// The frame as a visitor sees it: no name, no forms.
    pub fn visitor() -> Nav {
        Nav {
            user: None,
            csrf: String::new(),
        }
    }

    pub fn home_path(&self) -> &'static str {
        self.user.as_ref().map(|u| u.home_path()).unwrap_or("/")
    }

    pub fn is_office(&self) -> bool {
        self.user.as_ref().is_some_and(CurrentUser::is_office)
    }
}

/// A visitor who is not signed in gets no token: no page of theirs but the sign-in form (see
/// [`LoginNav`]) has a form that changes data, and minting one would set a session cookie on
/// every public page, making each response unique.
impl FromRequest for Nav {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let user = req.extensions().get::<Identity>().and_then(|i| i.0.clone());
        let csrf = if user.is_some() {
            csrf::token(&req.get_session())
        } else {
            String::new()
        };
        ready(Ok(Nav { user, csrf }))
    }
}

/// The frame of the sign-in page, whose form a visitor sends: it always carries a token.
pub struct LoginNav(pub Nav);

impl FromRequest for LoginNav {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let user = req.extensions().get::<Identity>().and_then(|i| i.0.clone());
        ready(Ok(LoginNav(Nav {
            user,
            csrf: csrf::token(&req.get_session()),
        })))
    }
}
