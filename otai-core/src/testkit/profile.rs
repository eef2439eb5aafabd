//! What exists on the system under test.

use serde_json::Value;

use crate::UnifiedEntity;

/// What the conformance kit may use on the system under test.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ConformanceProfile {
    /// A queue tickets can be created in.
    pub queue: UnifiedEntity,
    /// A second queue tickets can be moved to.
    pub other_queue: UnifiedEntity,
    /// An open state to create tickets in.
    pub open_state: UnifiedEntity,
    /// A closed state to move tickets to.
    pub closed_state: UnifiedEntity,
    /// A priority to create tickets with.
    pub priority: UnifiedEntity,
    /// A different priority to change to.
    pub other_priority: UnifiedEntity,
    /// A customer the system accepts, when tickets carry one.
    pub customer: Option<UnifiedEntity>,
    /// An agent tickets can be assigned to, when the system has owners.
    pub owner: Option<UnifiedEntity>,
    /// A ticket type, when the system has types.
    pub ticket_type: Option<UnifiedEntity>,
    /// A custom field and a value it accepts, when the system has custom fields.
    pub custom_field: Option<(String, Value)>,
    /// A unique text put in every subject, so runs do not see each other's tickets.
    pub tag: String,
}

impl ConformanceProfile {
    /// A profile with two queues; states default to `open`/`closed`, priorities to
    /// `normal`/`high`, and the tag to a fresh unique text.
    pub fn new(queue: UnifiedEntity, other_queue: UnifiedEntity) -> Self {
        Self {
            queue,
            other_queue,
            open_state: UnifiedEntity::by_name("open"),
            closed_state: UnifiedEntity::by_name("closed"),
            priority: UnifiedEntity::by_name("normal"),
            other_priority: UnifiedEntity::by_name("high"),
            customer: None,
            owner: None,
            ticket_type: None,
            custom_field: None,
            tag: unique_tag(),
        }
    }

    /// Sets the open and closed states.
    pub fn states(mut self, open: UnifiedEntity, closed: UnifiedEntity) -> Self {
        self.open_state = open;
        self.closed_state = closed;
        self
    }

    /// Sets the two priorities.
    pub fn priorities(mut self, priority: UnifiedEntity, other: UnifiedEntity) -> Self {
        self.priority = priority;
        self.other_priority = other;
        self
    }

    /// Sets the customer.
    pub fn customer(mut self, customer: UnifiedEntity) -> Self {
        self.customer = Some(customer);
        self
    }

    /// Sets the owner.
    pub fn owner(mut self, owner: UnifiedEntity) -> Self {
        self.owner = Some(owner);
        self
    }

    /// Sets the ticket type.
    pub fn ticket_type(mut self, ticket_type: UnifiedEntity) -> Self {
        self.ticket_type = Some(ticket_type);
        self
    }

    /// Sets a custom field and a value it accepts.
    pub fn custom_field(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.custom_field = Some((name.into(), value.into()));
        self
    }

    /// Sets the tag (letters and digits only, so every search backend finds it).
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tag = tag.into();
        self
    }
}

/// `otaick` + the current time in nanoseconds, base 36: unique enough across runs.
fn unique_tag() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let mut n = nanos;
    let mut digits = Vec::new();
    while n > 0 {
        let d = (n % 36) as u8;
        digits.push(if d < 10 { b'0' + d } else { b'a' + d - 10 });
        n /= 36;
    }
    digits.reverse();
    format!("otaick{}", String::from_utf8_lossy(&digits))
}
