//! What every page's frame needs: who is signed in (from the session, no database) and the CSRF
//! token for the forms on the page.

use actix_session::Session;

use crate::auth::{SessionUser, csrf};

pub struct Nav {
    pub user: Option<SessionUser>,
    pub csrf: String,
}

impl Nav {
    /// For any page. A visitor who is not signed in gets no token: no page of theirs but the
    /// sign-in form (see [`Nav::with_form_token`]) has a form that changes data, and minting one
    /// would set a session cookie on every public page, making each response unique.
    pub fn from_session(session: &Session) -> Nav {
        let user = SessionUser::from_session(session);
        let csrf = if user.is_some() {
            csrf::token(session)
        } else {
            String::new()
        };
        Nav { user, csrf }
    }

    /// For a page whose form a visitor who is not signed in sends: the sign-in page.
    pub fn with_form_token(session: &Session) -> Nav {
        Nav {
            user: SessionUser::from_session(session),
            csrf: csrf::token(session),
        }
    }

    pub fn home_path(&self) -> &'static str {
        self.user.as_ref().map(|u| u.home_path()).unwrap_or("/")
    }
}
