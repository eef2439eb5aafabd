//! OTOBO / Znuny GenericTicketConnector adapter for otai
#![forbid(unsafe_code)]
#![deny(missing_docs)]
