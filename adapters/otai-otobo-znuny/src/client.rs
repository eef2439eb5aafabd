//! The client: credentials or a shared session on every call, safe retries, error mapping.

use std::sync::Arc;
use std::time::{Duration, Instant};

use otai_core::output::Redactor;
use otai_core::{Error, Result};
use otai_http::{HttpClient, Repeatable};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Map, Value};
use tokio::sync::Mutex;

use crate::config::{AuthMode, OtoboConfig, SessionCacheSetting, TransportKind};
use crate::errors::map_business_error;
use crate::payload::Payload;
use crate::reply::{Answer, Expect, Raw, Typed};
use crate::routes::Operation;
use crate::session_cache::SessionCache;
use crate::transport::{HttpTransport, Protocol};
use crate::wire::SessionReply;

/// The longest session ID accepted from SessionCreate (OTOBO's have 32 characters); it is
/// sent with every request.
const MAX_SESSION_ID_LEN: usize = 1024;

/// Who logs in.
#[derive(Clone)]
struct Credentials {
    /// `UserLogin` (agent) or `CustomerUserLogin`.
    login_key: &'static str,
    login: String,
    password: SecretString,
}

/// A session: when it was created, and the credential keys every request sends with it.
struct Session {
    created: Instant,
    /// `{"SessionID": id}`, built once: requests share it instead of building their own.
    fields: Arc<Map<String, Value>>,
}

impl Session {
    fn new(id: &SecretString, created: Instant) -> Self {
        let mut fields = Map::new();
        fields.insert(SESSION_KEY.into(), id.expose_secret().into());
        Self {
            created,
            fields: Arc::new(fields),
        }
    }
}

/// The credential key that names a session.
const SESSION_KEY: &str = "SessionID";

/// The session that credential keys name, if they name one.
fn session_id(fields: &Map<String, Value>) -> Option<&str> {
    fields.get(SESSION_KEY).and_then(Value::as_str)
}

/// A GenericTicketConnector client. Cheap to clone; clones share the connection pool and session.
#[derive(Clone)]
pub struct OtoboClient {
    transport: HttpTransport,
    credentials: Credentials,
    mode: AuthMode,
    session: Arc<Mutex<Option<Session>>>,
    session_max_age: Duration,
    /// Where the session is shared with other processes, if anywhere.
    cache: Option<SessionCache>,
    /// Hides every session ID this client uses from everything the program shows.
    redactor: Redactor,
}

impl std::fmt::Debug for OtoboClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OtoboClient")
            .field("webservice", &self.transport.http.base_url())
            .field("login", &self.credentials.login)
            .field("mode", &self.mode)
            .finish_non_exhaustive()
    }
}

impl OtoboClient {
    /// Builds a client from a validated configuration. Contacts nobody.
    pub fn new(config: &OtoboConfig) -> Result<Self> {
        config.validate()?;
        let (login_key, login) = match (&config.username, &config.customer_username) {
            (Some(user), _) => ("UserLogin", user.clone()),
            (None, Some(customer)) => ("CustomerUserLogin", customer.clone()),
            (None, None) => return Err(Error::config("params.username", "missing")),
        };
        let password = config
            .password
            .clone()
            .ok_or_else(|| Error::config("params.password", "missing"))?;
        let webservice_url = crate::endpoint::webservice_url(&config.location())?;
        let cache = session_cache(config, &webservice_url, login_key, &login);
        Ok(Self {
            transport: HttpTransport::new(
                match config.transport {
                    TransportKind::Rest => Protocol::Rest,
                    TransportKind::Soap => Protocol::Soap {
                        namespace: config
                            .soap_namespace
                            .clone()
                            .unwrap_or_else(|| crate::soap::OTOBO_NAMESPACE.to_owned()),
                    },
                },
                HttpClient::new(
                    &webservice_url,
                    &config.http_params(),
                    config.concurrency.max(8),
                )?,
                config.route_table()?,
            ),
            credentials: Credentials {
                login_key,
                login,
                password,
            },
            mode: config.auth_mode,
            session: Arc::new(Mutex::new(None)),
            session_max_age: config.session_max_age_duration()?,
            cache,
            redactor: Redactor::new(),
        })
    }

    /// Hides the session IDs this client uses with `redactor` (the program's one redactor), so
    /// they never show in an error or a log line.
    pub fn with_redactor(mut self, redactor: Redactor) -> Self {
        self.redactor = redactor;
        self
    }

    /// The web service URL requests go to.
    pub fn webservice_url(&self) -> &str {
        self.transport.http.base_url()
    }

    /// The configured route of `operation`, for messages: `GET /Ticket/:TicketID`.
    pub fn describe(&self, operation: Operation) -> String {
        self.transport.name(operation).to_owned()
    }

    /// Calls `operation` with `payload` (credentials are added) and returns the reply as JSON,
    /// decoded under the raw decoding budget ([`crate::wire::budget`]).
    ///
    /// Business errors become typed errors. A rejected session is re-created once,
    /// transparently. Transient failures are retried as [`otai_http::RetryPolicy`] allows:
    /// TicketCreate and TicketUpdate only when the request surely never reached the server.
    pub async fn call(&self, operation: Operation, payload: Map<String, Value>) -> Result<Value> {
        self.request(operation, payload, &Raw).await
    }

    /// Like [`Self::call`], decoding the reply as `expect` says.
    pub(crate) async fn request<E: Expect>(
        &self,
        operation: Operation,
        payload: impl Into<Payload<'_>>,
        expect: &E,
    ) -> Result<E::Output> {
        let payload = payload.into();
        let request = self.transport.name(operation);
        let mut renewed_session = false;
        loop {
            let auth = self.auth_fields().await?;
            match self
                .send_with_retries(operation, request, &payload, &auth, expect)
                .await?
            {
                Answer::Done(output) => return Ok(output),
                Answer::Failed(error)
                    if error.is_auth_failure()
                        && session_id(&auth).is_some()
                        && !renewed_session =>
                {
                    tracing::debug!(
                        operation = operation.name(),
                        "session rejected, creating a new one"
                    );
                    self.forget_session(session_id(&auth)).await;
                    renewed_session = true;
                }
                Answer::Failed(error) => return Err(map_business_error(request, error)),
            }
        }
    }

    /// Sends `payload` with `auth` as `operation`, repeating it on transient failures where
    /// that is safe. Nothing is copied per attempt.
    async fn send_with_retries<E: Expect>(
        &self,
        operation: Operation,
        request: &str,
        payload: &Payload<'_>,
        auth: &Map<String, Value>,
        expect: &E,
    ) -> Result<Answer<E::Output>> {
        let repeatable = if operation.is_idempotent() {
            Repeatable::Always
        } else {
            Repeatable::OnlyIfUnsent
        };
        self.transport
            .http
            .retries()
            .run(request, repeatable, || {
                self.transport
                    .send(operation, request, payload, auth, expect, &self.redactor)
            })
            .await
    }

    /// Checks the credentials now with a SessionCreate. In `session` mode the new session
    /// replaces the shared one (and the cached one), so a cached session never hides a wrong
    /// password.
    pub async fn login(&self) -> Result<()> {
        let id = self.create_session().await?;
        if self.mode == AuthMode::Session {
            if let Some(cache) = &self.cache {
                cache.store(&id);
            }
            *self.session.lock().await = Some(Session::new(&id, Instant::now()));
        }
        Ok(())
    }

    /// The credential keys for one request (a session's, to forget if rejected, or the login's).
    async fn auth_fields(&self) -> Result<Arc<Map<String, Value>>> {
        match self.mode {
            AuthMode::PerRequest => {
                let mut fields = Map::new();
                fields.insert(
                    self.credentials.login_key.into(),
                    self.credentials.login.clone().into(),
                );
                fields.insert(
                    "Password".into(),
                    self.credentials.password.expose_secret().into(),
                );
                Ok(Arc::new(fields))
            }
            AuthMode::Session => {
                let mut slot = self.session.lock().await;
                let fresh = slot
                    .as_ref()
                    .is_some_and(|s| s.created.elapsed() < self.session_max_age);
                if !fresh {
                    *slot = Some(match self.cached_session() {
                        Some(session) => session,
                        None => {
                            let id = self.create_session().await?;
                            if let Some(cache) = &self.cache {
                                cache.store(&id);
                            }
                            Session::new(&id, Instant::now())
                        }
                    });
                }
                Ok(slot.as_ref().map(|s| s.fields.clone()).unwrap_or_default())
            }
        }
    }

    /// A session another process left in the cache, if it is younger than `session_max_age`.
    fn cached_session(&self) -> Option<Session> {
        let cached = self.cache.as_ref()?.load(MAX_SESSION_ID_LEN)?;
        self.redactor.hide(cached.id.expose_secret());
        let created = Instant::now().checked_sub(cached.age)?;
        (cached.age < self.session_max_age).then(|| Session::new(&cached.id, created))
    }

    async fn forget_session(&self, used: Option<&str>) {
        let mut slot = self.session.lock().await;
        if slot.as_ref().and_then(|s| session_id(&s.fields)) == used {
            *slot = None;
        }
        if let (Some(cache), Some(used)) = (&self.cache, used) {
            cache.forget(used, MAX_SESSION_ID_LEN);
        }
    }

    /// SessionCreate, retried on transient failures.
    async fn create_session(&self) -> Result<SecretString> {
        let request = self.transport.describe(Operation::SessionCreate);
        let no_auth = Map::new();
        let mut payload = Payload::default();
        payload.fields.insert(
            self.credentials.login_key.into(),
            self.credentials.login.clone().into(),
        );
        payload.fields.insert(
            "Password".into(),
            self.credentials.password.expose_secret().into(),
        );
        let reply = self
            .send_with_retries(
                Operation::SessionCreate,
                &request,
                &payload,
                &no_auth,
                &Typed::<SessionReply>::new(),
            )
            .await?;
        let reply = match reply {
            Answer::Done(reply) => reply,
            Answer::Failed(error) => return Err(map_business_error(&request, error)),
        };
        let problem = match reply.session_id {
            Some(id) if id.len() > MAX_SESSION_ID_LEN => {
                format!("SessionID longer than {MAX_SESSION_ID_LEN} bytes")
            }
            Some(id) if id.chars().any(char::is_control) => {
                "SessionID holds control characters".to_owned()
            }
            Some(id) => {
                self.redactor.hide(&id);
                return Ok(SecretString::from(id));
            }
            None => "reply has no SessionID".to_owned(),
        };
        Err(Error::Remote {
            request,
            status: Some(200),
            code: None,
            message: problem,
            retry_after: None,
        })
    }
}

/// The session cache `config` asks for, in `session` mode only. A default cache directory
/// that cannot be found is logged and leaves sessions in memory.
fn session_cache(
    config: &OtoboConfig,
    webservice_url: &str,
    login_key: &str,
    login: &str,
) -> Option<SessionCache> {
    if config.auth_mode != AuthMode::Session {
        return None;
    }
    let dir = match &config.session_cache {
        SessionCacheSetting::Off => return None,
        SessionCacheSetting::Dir(dir) => dir.clone(),
        SessionCacheSetting::UserCacheDir => match crate::session_cache::default_dir() {
            Some(dir) => dir,
            None => {
                tracing::warn!(
                    "no cache directory (neither XDG_CACHE_HOME nor HOME is set): the session is not shared with other processes"
                );
                return None;
            }
        },
    };
    Some(SessionCache::new(&dir, webservice_url, login_key, login))
}
