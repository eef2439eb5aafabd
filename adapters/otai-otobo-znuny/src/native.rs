//! The native keys this adapter accepts besides the unified ones, from the GenericTicketConnector
//! specification: TicketSearch parameters, TicketGet options, the TicketCreate/TicketUpdate
//! objects. Anything else can still be sent verbatim under `native:`.

use otai_core::request::{NativeKey, NativeKeys, NativeKind};

/// What OTOBO / Znuny accept, per operation.
pub(crate) const NATIVE_KEYS: NativeKeys = NativeKeys {
    search: SEARCH,
    get: GET,
    create: WRITE,
    update: WRITE,
    note: NOTE,
};

const fn key(name: &'static str, kind: NativeKind, doc: &'static str) -> NativeKey {
    NativeKey::new(name, kind, doc)
}

/// TicketSearch: control, list, article, time and dynamic-field filters (values of a list are OR-ed).
const SEARCH: &[NativeKey] = &[
    key(
        "SortBy",
        NativeKind::List,
        "Sort keys (`Age` default, `Created`, `Changed`, `Title`, `Priority`, `DynamicField_<Name>`, …); several for a multi-level sort.",
    ),
    key(
        "OrderBy",
        NativeKind::List,
        "`Down` (default) or `Up`, one per `SortBy` key.",
    ),
    key(
        "UseSubQueues",
        NativeKind::Bool,
        "1: `Queues`/`QueueIDs` (and `queue`) include sub-queues.",
    ),
    key(
        "SearchInArchive",
        NativeKind::Text,
        "`AllTickets` or `ArchivedTickets` (only with the archive system on).",
    ),
    key(
        "FullTextIndex",
        NativeKind::Bool,
        "1: article filters use the full-text index.",
    ),
    key(
        "ContentSearch",
        NativeKind::Text,
        "`AND` or `OR`: how article filters combine.",
    ),
    key(
        "TicketNumber",
        NativeKind::List,
        "Ticket numbers (`*` wildcards).",
    ),
    key("TicketID", NativeKind::List, "Ticket IDs."),
    key(
        "Title",
        NativeKind::List,
        "Titles (`*` wildcards; `subject_contains` wraps its text in `*`).",
    ),
    key("Queues", NativeKind::List, "Queue names."),
    key("QueueIDs", NativeKind::List, "Queue IDs."),
    key("Types", NativeKind::List, "Type names."),
    key("TypeIDs", NativeKind::List, "Type IDs."),
    key("States", NativeKind::List, "State names."),
    key("StateIDs", NativeKind::List, "State IDs."),
    key(
        "StateType",
        NativeKind::List,
        "State type names (`new`, `open`, `pending reminder`, `closed`, …; not `Open`/`Closed`).",
    ),
    key("StateTypeIDs", NativeKind::List, "State type IDs."),
    key("Priorities", NativeKind::List, "Priority names."),
    key("PriorityIDs", NativeKind::List, "Priority IDs."),
    key("Services", NativeKind::List, "Service names."),
    key("ServiceIDs", NativeKind::List, "Service IDs."),
    key("SLAs", NativeKind::List, "SLA names."),
    key("SLAIDs", NativeKind::List, "SLA IDs."),
    key("Locks", NativeKind::List, "Lock names (`lock`, `unlock`)."),
    key("LockIDs", NativeKind::List, "Lock IDs."),
    key("OwnerIDs", NativeKind::List, "Owner agent IDs."),
    key("ResponsibleIDs", NativeKind::List, "Responsible agent IDs."),
    key(
        "WatchUserIDs",
        NativeKind::List,
        "IDs of agents watching the ticket.",
    ),
    key(
        "CustomerID",
        NativeKind::List,
        "Customer company IDs (`*` wildcards).",
    ),
    key(
        "CustomerIDRaw",
        NativeKind::List,
        "Customer company IDs, exact (wins over `CustomerID`).",
    ),
    key(
        "CustomerUserLogin",
        NativeKind::List,
        "Customer user logins (`*` wildcards).",
    ),
    key(
        "CreatedUserIDs",
        NativeKind::List,
        "IDs of the agents who created the ticket.",
    ),
    key("CreatedTypes", NativeKind::List, "Type names at creation."),
    key("CreatedTypeIDs", NativeKind::List, "Type IDs at creation."),
    key(
        "CreatedStates",
        NativeKind::List,
        "State names at creation.",
    ),
    key(
        "CreatedStateIDs",
        NativeKind::List,
        "State IDs at creation.",
    ),
    key(
        "CreatedQueues",
        NativeKind::List,
        "Queue names at creation.",
    ),
    key(
        "CreatedQueueIDs",
        NativeKind::List,
        "Queue IDs at creation.",
    ),
    key(
        "CreatedPriorities",
        NativeKind::List,
        "Priority names at creation.",
    ),
    key(
        "CreatedPriorityIDs",
        NativeKind::List,
        "Priority IDs at creation.",
    ),
    key(
        "MIMEBase_From",
        NativeKind::Text,
        "Article sender contains.",
    ),
    key(
        "MIMEBase_To",
        NativeKind::Text,
        "Article recipient contains.",
    ),
    key("MIMEBase_Cc", NativeKind::Text, "Article Cc contains."),
    key("MIMEBase_Bcc", NativeKind::Text, "Article Bcc contains."),
    key(
        "MIMEBase_Subject",
        NativeKind::Text,
        "Article subject contains.",
    ),
    key("MIMEBase_Body", NativeKind::Text, "Article body contains."),
    key(
        "MIMEBase_AttachmentName",
        NativeKind::Text,
        "Article attachment name contains.",
    ),
    key(
        "Chat_ChatterName",
        NativeKind::Text,
        "Chat participant name contains (with chat installed).",
    ),
    key(
        "Chat_MessageText",
        NativeKind::Text,
        "Chat message contains (with chat installed).",
    ),
    key(
        "Fulltext",
        NativeKind::Text,
        "Text in any article field (`text_contains` sets it).",
    ),
    key(
        "TicketCreateTimeOlderMinutes",
        NativeKind::Integer,
        "Tickets whose creation is more than this many minutes ago.",
    ),
    key(
        "TicketCreateTimeNewerMinutes",
        NativeKind::Integer,
        "Tickets whose creation is less than this many minutes ago.",
    ),
    key(
        "TicketCreateTimeOlderDate",
        NativeKind::Text,
        "Tickets whose creation is before `YYYY-MM-DD HH:MM:SS`.",
    ),
    key(
        "TicketCreateTimeNewerDate",
        NativeKind::Text,
        "Tickets whose creation is after `YYYY-MM-DD HH:MM:SS`.",
    ),
    key(
        "TicketChangeTimeOlderMinutes",
        NativeKind::Integer,
        "Tickets whose any history entry is more than this many minutes ago.",
    ),
    key(
        "TicketChangeTimeNewerMinutes",
        NativeKind::Integer,
        "Tickets whose any history entry is less than this many minutes ago.",
    ),
    key(
        "TicketChangeTimeOlderDate",
        NativeKind::Text,
        "Tickets whose any history entry is before `YYYY-MM-DD HH:MM:SS`.",
    ),
    key(
        "TicketChangeTimeNewerDate",
        NativeKind::Text,
        "Tickets whose any history entry is after `YYYY-MM-DD HH:MM:SS`.",
    ),
    key(
        "TicketLastChangeTimeOlderMinutes",
        NativeKind::Integer,
        "Tickets whose last change is more than this many minutes ago.",
    ),
    key(
        "TicketLastChangeTimeNewerMinutes",
        NativeKind::Integer,
        "Tickets whose last change is less than this many minutes ago.",
    ),
    key(
        "TicketLastChangeTimeOlderDate",
        NativeKind::Text,
        "Tickets whose last change is before `YYYY-MM-DD HH:MM:SS`.",
    ),
    key(
        "TicketLastChangeTimeNewerDate",
        NativeKind::Text,
        "Tickets whose last change is after `YYYY-MM-DD HH:MM:SS`.",
    ),
    key(
        "TicketCloseTimeOlderMinutes",
        NativeKind::Integer,
        "Tickets whose closing is more than this many minutes ago.",
    ),
    key(
        "TicketCloseTimeNewerMinutes",
        NativeKind::Integer,
        "Tickets whose closing is less than this many minutes ago.",
    ),
    key(
        "TicketCloseTimeOlderDate",
        NativeKind::Text,
        "Tickets whose closing is before `YYYY-MM-DD HH:MM:SS`.",
    ),
    key(
        "TicketCloseTimeNewerDate",
        NativeKind::Text,
        "Tickets whose closing is after `YYYY-MM-DD HH:MM:SS`.",
    ),
    key(
        "TicketPendingTimeOlderMinutes",
        NativeKind::Integer,
        "Tickets whose pending time is more than this many minutes ago.",
    ),
    key(
        "TicketPendingTimeNewerMinutes",
        NativeKind::Integer,
        "Tickets whose pending time is less than this many minutes ago.",
    ),
    key(
        "TicketPendingTimeOlderDate",
        NativeKind::Text,
        "Tickets whose pending time is before `YYYY-MM-DD HH:MM:SS`.",
    ),
    key(
        "TicketPendingTimeNewerDate",
        NativeKind::Text,
        "Tickets whose pending time is after `YYYY-MM-DD HH:MM:SS`.",
    ),
    key(
        "ArticleCreateTimeOlderMinutes",
        NativeKind::Integer,
        "Tickets whose an article's creation is more than this many minutes ago.",
    ),
    key(
        "ArticleCreateTimeNewerMinutes",
        NativeKind::Integer,
        "Tickets whose an article's creation is less than this many minutes ago.",
    ),
    key(
        "ArticleCreateTimeOlderDate",
        NativeKind::Text,
        "Tickets whose an article's creation is before `YYYY-MM-DD HH:MM:SS`.",
    ),
    key(
        "ArticleCreateTimeNewerDate",
        NativeKind::Text,
        "Tickets whose an article's creation is after `YYYY-MM-DD HH:MM:SS`.",
    ),
    key(
        "TicketEscalationTimeOlderMinutes",
        NativeKind::Integer,
        "Tickets whose escalation is more than this many minutes ago.",
    ),
    key(
        "TicketEscalationTimeNewerMinutes",
        NativeKind::Integer,
        "Tickets whose escalation is less than this many minutes ago.",
    ),
    key(
        "TicketEscalationTimeOlderDate",
        NativeKind::Text,
        "Tickets whose escalation is before `YYYY-MM-DD HH:MM:SS`.",
    ),
    key(
        "TicketEscalationTimeNewerDate",
        NativeKind::Text,
        "Tickets whose escalation is after `YYYY-MM-DD HH:MM:SS`.",
    ),
    key(
        "TicketEscalationUpdateTimeOlderMinutes",
        NativeKind::Integer,
        "Tickets whose update escalation is more than this many minutes ago.",
    ),
    key(
        "TicketEscalationUpdateTimeNewerMinutes",
        NativeKind::Integer,
        "Tickets whose update escalation is less than this many minutes ago.",
    ),
    key(
        "TicketEscalationUpdateTimeOlderDate",
        NativeKind::Text,
        "Tickets whose update escalation is before `YYYY-MM-DD HH:MM:SS`.",
    ),
    key(
        "TicketEscalationUpdateTimeNewerDate",
        NativeKind::Text,
        "Tickets whose update escalation is after `YYYY-MM-DD HH:MM:SS`.",
    ),
    key(
        "TicketEscalationResponseTimeOlderMinutes",
        NativeKind::Integer,
        "Tickets whose response escalation is more than this many minutes ago.",
    ),
    key(
        "TicketEscalationResponseTimeNewerMinutes",
        NativeKind::Integer,
        "Tickets whose response escalation is less than this many minutes ago.",
    ),
    key(
        "TicketEscalationResponseTimeOlderDate",
        NativeKind::Text,
        "Tickets whose response escalation is before `YYYY-MM-DD HH:MM:SS`.",
    ),
    key(
        "TicketEscalationResponseTimeNewerDate",
        NativeKind::Text,
        "Tickets whose response escalation is after `YYYY-MM-DD HH:MM:SS`.",
    ),
    key(
        "TicketEscalationSolutionTimeOlderMinutes",
        NativeKind::Integer,
        "Tickets whose solution escalation is more than this many minutes ago.",
    ),
    key(
        "TicketEscalationSolutionTimeNewerMinutes",
        NativeKind::Integer,
        "Tickets whose solution escalation is less than this many minutes ago.",
    ),
    key(
        "TicketEscalationSolutionTimeOlderDate",
        NativeKind::Text,
        "Tickets whose solution escalation is before `YYYY-MM-DD HH:MM:SS`.",
    ),
    key(
        "TicketEscalationSolutionTimeNewerDate",
        NativeKind::Text,
        "Tickets whose solution escalation is after `YYYY-MM-DD HH:MM:SS`.",
    ),
    key(
        "DynamicField",
        NativeKind::Any,
        "Field filters: `{Name, Equals|Like|Empty|GreaterThan|…}` or a list; added to `custom_fields`' filters.",
    ),
    key(
        "DynamicField_*",
        NativeKind::Map,
        "Legacy field filter `DynamicField_<Name>: {Equals: …}` (used only without `DynamicField`).",
    ),
];

/// TicketGet options.
const GET: &[NativeKey] = &[
    key(
        "DynamicFields",
        NativeKind::Bool,
        "Include dynamic fields (default 1 here).",
    ),
    key(
        "Extended",
        NativeKind::Bool,
        "Add first-response, solution and closing times.",
    ),
    key(
        "AllArticles",
        NativeKind::Bool,
        "Include the articles (default 1 here; 0 leaves the notes empty).",
    ),
    key(
        "ArticleSenderType",
        NativeKind::List,
        "Only articles from `agent`, `system`, `customer`.",
    ),
    key(
        "ArticleOrder",
        NativeKind::Text,
        "`ASC` (default) or `DESC`.",
    ),
    key(
        "ArticleLimit",
        NativeKind::Integer,
        "At most this many articles (after ordering).",
    ),
    key(
        "Attachments",
        NativeKind::Bool,
        "Include each article's attachments.",
    ),
    key(
        "GetAttachmentContents",
        NativeKind::Bool,
        "0: attachments without their content.",
    ),
    key(
        "HTMLBodyAsAttachment",
        NativeKind::Bool,
        "Include the HTML body as an attachment.",
    ),
];

/// TicketCreate / TicketUpdate: the objects beside the generated `Ticket` and `Article`.
const WRITE: &[NativeKey] = &[
    key(
        "Ticket",
        NativeKind::Map,
        "Extra `Ticket` fields (`Service`, `SLA`, `Lock`, `Responsible`, `CustomerID`, …), merged over the unified ones.",
    ),
    key(
        "Article",
        NativeKind::Map,
        "Extra `Article` fields (`TimeUnit`, `From`, `CommunicationChannel`, `NoAgentNotify`, …), merged over the generated ones.",
    ),
    key(
        "DynamicField",
        NativeKind::Any,
        "`{Name, Value}` items (one or a list), appended to those from `custom_fields`.",
    ),
    key(
        "Attachment",
        NativeKind::Any,
        "`{Content (base64), ContentType, Filename}` items (one or a list); needs an article.",
    ),
    key(
        "PendingTime",
        NativeKind::Map,
        "`{Diff: <minutes>}` or `{Year, Month, Day, Hour, Minute}`, put into `Ticket`; required for a pending state.",
    ),
];

/// TicketUpdate with only an article (`add_note`).
const NOTE: &[NativeKey] = &[
    key(
        "Article",
        NativeKind::Map,
        "Extra `Article` fields (`TimeUnit`, `From`, `To`, `CommunicationChannel`, …), merged over the generated ones.",
    ),
    key(
        "DynamicField",
        NativeKind::Any,
        "`{Name, Value}` items (one or a list): article fields go to the new article.",
    ),
    key(
        "Attachment",
        NativeKind::Any,
        "`{Content (base64), ContentType, Filename}` items (one or a list), attached to the note.",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use otai_core::request::Operation;

    #[test]
    fn every_operation_declares_unique_documented_keys() {
        for operation in Operation::ALL {
            let keys = NATIVE_KEYS.of(operation);
            assert!(!keys.is_empty(), "{operation}");
            for (i, key) in keys.iter().enumerate() {
                assert!(!key.doc.is_empty(), "{}", key.name);
                assert!(
                    keys[..i].iter().all(|k| k.name != key.name),
                    "{} twice for {operation}",
                    key.name
                );
            }
        }
        assert!(
            NATIVE_KEYS
                .find(Operation::Search, "DynamicField_Building")
                .is_some()
        );
        assert!(
            NATIVE_KEYS.find(Operation::Search, "Limit").is_none(),
            "unified `limit`"
        );
        assert!(
            NATIVE_KEYS
                .find(Operation::Update, "TicketNumber")
                .is_none(),
            "would change the target"
        );
    }
}
