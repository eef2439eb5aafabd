//! otai as an OTOBO/Znuny Generic Interface provider: GenericTicketConnector web services
//! (REST and SOAP) in front of any configured helpdesk, configured under `webservices:` and
//! served by `otai serve`.
//!
//! ```yaml
//! webservices:
//!   - name: GenericTicketConnectorREST
//!     id: 1
//!     service: helpdesk
//!     transport: { type: rest }
//!     operations:
//!       SessionCreate: { type: Session::SessionCreate }
//!       TicketGet: { type: Ticket::TicketGet }
//!     users:
//!       - { login: agent1, password: '${{ secrets.GI_AGENT1 }}' }
//! ```
//!
//! [`config`] holds the section as written and its checks; [`Provider`] the web services as
//! served, and [`router`] their HTTP routes. Every request and answer is handed to a
//! [`CommunicationHook`] with its credentials redacted. [`exchange`] imports and exports web
//! services in the form OTRS / OTOBO / Znuny administrators exchange them.

pub mod accounts;
pub mod config;
pub mod debugger;
pub mod error;
pub mod exchange;
pub mod hook;
pub mod http;
pub mod load;
pub mod mapping;
pub mod ops;
pub mod provider;
pub mod routes;
pub mod sessions;
pub mod shape;

pub use config::{
    AccountConfig, DebuggerConfig, OperationConfig, OperationType, Prefix, RouteConfig,
    SessionConfig, Threshold, TransportConfig, TransportKind, Validity, WebserviceConfig,
};
pub use debugger::StateDebugger;
pub use hook::{Communication, CommunicationHook, NoHook};
pub use http::router;
pub use provider::{Provider, Webservice};
pub use sessions::Sessions;
