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
//! [`config`] holds the section as written and its checks; [`exchange`] imports and exports
//! web services in the form OTRS / OTOBO / Znuny administrators exchange them.

pub mod config;
pub mod exchange;

pub use config::{
    AccountConfig, DebuggerConfig, OperationConfig, OperationType, Prefix, RouteConfig,
    SessionConfig, Threshold, TransportConfig, TransportKind, Validity, WebserviceConfig,
};
