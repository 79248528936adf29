//! What every page's frame needs: who is signed in (from the session, no database) and the CSRF
//! token for the forms on the page.

use actix_session::Session;

use crate::auth::{SessionUser, csrf};

pub struct Nav {
    pub user: Option<SessionUser>,
    pub csrf: String,
}

impl Nav {
    pub fn from_session(session: &Session) -> Nav {
        Nav {
            user: SessionUser::from_session(session),
            csrf: csrf::token(session),
        }
    }

    pub fn home_path(&self) -> &'static str {
        self.user.as_ref().map(|u| u.home_path()).unwrap_or("/")
    }
}
