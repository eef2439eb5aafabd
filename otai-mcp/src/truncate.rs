//! Long bodies cut for the agent, with a marker saying how much was left out.

use otai_core::UnifiedTicket;

/// Cuts the ticket's body and every note's body to `limit` characters.
pub(crate) fn truncate_ticket(ticket: &mut UnifiedTicket, limit: usize) {
    if let Some(body) = ticket.body.as_mut() {
        truncate_text(body, limit);
    }
    for note in &mut ticket.notes {
        if let Some(body) = note.body.as_mut() {
            truncate_text(body, limit);
        }
    }
}

/// Cuts `text` to its first `limit` characters and appends
/// `[… truncated: showing L of N characters]` when it was longer.
pub(crate) fn truncate_text(text: &mut String, limit: usize) {
    let Some((cut, _)) = text.char_indices().nth(limit) else {
        return;
    };
    let total = text.chars().count();
    text.truncate(cut);
    text.push_str(&format!(
        "\n[… truncated: showing {limit} of {total} characters]"
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_within_the_limit_is_kept_as_it_is() {
        let mut text = "héllo".to_owned();
        truncate_text(&mut text, 5);
        assert_eq!(text, "héllo");
    }

    #[test]
    fn longer_text_is_cut_on_a_character_boundary_with_a_marker() {
        let mut text = "ééééé-tail".to_owned();
        truncate_text(&mut text, 3);
        assert_eq!(text, "ééé\n[… truncated: showing 3 of 10 characters]");
    }
}
