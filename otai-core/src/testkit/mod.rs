//! The conformance kit: one test suite every adapter runs against a live instance of itself.
//!
//! Enable `otai-core`'s `testkit` feature in your adapter's dev-dependencies, describe what exists on
//! the system under test in a [`ConformanceProfile`], and run [`run_conformance`]:
//!
//! ```text
//! #[tokio::test]
//! async fn passes_the_conformance_kit() {
//!     let service = MyAdapter::connect(/* a test server */);
//!     let profile = ConformanceProfile::new(
//!         UnifiedEntity::by_name("Raw"), UnifiedEntity::by_name("Junk"),
//!     )
//!     .states(UnifiedEntity::by_name("open"), UnifiedEntity::by_name("closed successful"))
//!     .priorities(UnifiedEntity::by_name("3 normal"), UnifiedEntity::by_name("5 very high"));
//!     run_conformance(&service, &profile).await.assert_all_passed();
//! }
//! ```
//!
//! The suite creates two tickets whose subjects carry the profile's unique `tag`, so repeated runs
//! against a persistent server never see each other's tickets. It checks create, get, find by every
//! unified filter, limit and offset, find_first, updating each field, `reread: false`, internal and
//! visible notes in plain text and HTML, a note with an attachment (name, type, size, and its bytes
//! with `attachment_content: true`), the documented behaviour for missing tickets, and typed
//! errors for invalid input, naming a ticket by its number (`ticket_number`), and its history.

mod attachments;
mod checks;
mod history;
mod lookup;
mod profile;
mod report;

pub use checks::run_conformance;
pub use profile::ConformanceProfile;
pub use report::{CheckOutcome, ConformanceReport};
