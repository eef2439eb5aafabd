//! # otai-otobo-znuny: OTOBO and Znuny through the GenericTicketConnector
//!
//! Talks to the Generic Interface web service of OTOBO 10/11 and Znuny 6/7 (REST) and returns
//! otai's unified model. See `docs/adapters/otobo-znuny.md` for every setting.
//!
//! ```no_run
//! use otai_core::{TicketSystemService, TicketSearchCriteria, UnifiedEntity};
//! use otai_core::request::SearchRequest;
//! use otai_otobo_znuny::{OtoboConfig, OtoboService};
//!
//! # async fn run() -> otai_core::Result<()> {
//! let config = OtoboConfig::new("https://helpdesk.example.com").agent("api-agent", "secret");
//! let otobo = OtoboService::new(&config)?;
//! let criteria = TicketSearchCriteria::new().queue(UnifiedEntity::by_name("Raw")).limit(20);
//! let raw = otobo
//!     .find_tickets(SearchRequest::new(criteria).native("StateType", ["new", "open"].as_slice()))
//!     .await?;
//! # Ok(()) }
//! ```
//!
//! ## Native keys
//! Besides the unified keys, each operation accepts the GenericTicketConnector parameters it
//! declares (see [`TicketSystemService::native_keys`](otai_core::TicketSystemService::native_keys)):
//! TicketSearch filters and sorting (`StateType`, `SortBy`, `MIMEBase_Body`,
//! `TicketCreateTimeOlderMinutes`, `DynamicField`, `DynamicField_<Name>`, …), TicketGet options
//! (`Extended`, `ArticleLimit`, `Attachments`, …) and, for writes, the `Ticket`, `Article`,
//! `DynamicField`, `Attachment` objects and `PendingTime`. A misspelt key is refused before any
//! request is sent; `native: {…}` passes anything else verbatim.
//!
//! Native models ([`wire::Ticket`], [`wire::Article`]) stay reachable: [`OtoboService::call`]
//! returns raw replies and [`mapping`] converts them.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod client;
pub mod config;
mod endpoint;
mod errors;
#[cfg(feature = "fake")]
pub mod fake;
mod history;
pub mod input;
pub mod mapping;
mod native;
mod payload;
mod reply;
pub mod routes;
mod secrets;
mod service;
mod session_cache;
pub mod soap;
mod transport;
pub mod wire;

pub use client::OtoboClient;
pub use config::{AuthMode, OtoboConfig, SessionCacheSetting, TransportKind};
pub use routes::{Operation, Route, RoutePreset};
pub use service::OtoboService;

/// Decodes a reply body to `operation` as the adapter does: straight from the bytes into `T`
/// (one of the [`wire`] types), under the decoding budget ([`wire::budget`]), with duplicate keys
/// refused and, over SOAP, nesting bounded by [`soap::MAX_DEPTH`]. A business error (`Error`
/// object) comes back as the typed error the adapter would return.
pub fn decode_reply<T: serde::de::DeserializeOwned + Send>(
    transport: TransportKind,
    operation: Operation,
    status: u16,
    body: &[u8],
) -> otai_core::Result<T> {
    let request = format!("{transport:?} {}", operation.name());
    let expect = reply::Typed::<T>::new();
    let answer = match transport {
        TransportKind::Rest => reply::decode_json(&request, status, body, &expect)?,
        TransportKind::Soap => {
            let text = String::from_utf8_lossy(body);
            soap::decode_reply(
                &request,
                transport::soap_operation(operation),
                status,
                &text,
                &expect,
            )?
        }
    };
    match answer {
        reply::Answer::Done(value) => Ok(value),
        reply::Answer::Failed(error) => Err(errors::map_business_error(&request, error)),
    }
}

/// Registers the adapter as `otobo-znuny` and `otobo-znuny:OTOBOZnunyTicketSystemService`.
pub fn register(registry: &mut otai_core::ServiceRegistry) {
    registry.register_service_with_schema::<OtoboConfig>(
        &["otobo-znuny", "otobo-znuny:OTOBOZnunyTicketSystemService"],
        "OTOBO / Znuny GenericTicketConnector",
    );
}
