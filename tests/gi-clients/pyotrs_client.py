"""PyOTRS (a Generic Interface REST client from PyPI) against `otai serve`'s
GenericTicketConnectorREST with its stock routes: session, create with an article, get, update
(state, queue and an article), search by title. Exits non-zero with the reason on any failure.

usage: pyotrs_client.py BASEURL WEBSERVICE_PATH LOGIN PASSWORD SESSION_FILE
Prints `created TicketID <id>` once the ticket exists.
"""

import sys
import time

from pyotrs import Article, Client, Ticket


def check(what, condition, detail):
    if not condition:
        sys.exit(f"PyOTRS {what}: {detail}")
    print(f"PyOTRS {what}: ok", flush=True)


def main():
    baseurl, webservice_path, login, password, session_file = sys.argv[1:6]
    # OTOBO and Znuny speak SessionID, not OTRS 8's AccessToken: PyOTRS's legacy sessions.
    client = Client(baseurl, login, password, session_id_file=session_file,
                    webservice_path=webservice_path, use_legacy_sessions=True,
                    request_timeout=30)
    title = f"PyOTRS ticket {time.time_ns()}"

    check("session_create", client.session_create(), f"no session: {client.result_json}")

    ticket = Ticket.create_basic(Title=title, Queue="Raw", State="new",
                                 Priority="3 normal", CustomerUser="pyotrs@example.com")
    article = Article({"Subject": "First article from PyOTRS", "Body": "Created by PyOTRS"})
    created = client.ticket_create(ticket, article)
    check("ticket_create", created and created.get("TicketID") and created.get("ArticleID"),
          f"answer {created!r}")
    ticket_id = created["TicketID"]
    print(f"created TicketID {ticket_id}", flush=True)

    article = Article({"Subject": "Second article from PyOTRS", "Body": "Updated by PyOTRS"})
    updated = client.ticket_update(ticket_id, article, State="open", Queue="Misc")
    check("ticket_update", updated and str(updated.get("TicketID")) == str(ticket_id)
          and updated.get("ArticleID"), f"answer {updated!r}")

    got = client.ticket_get_by_id(ticket_id, articles=True)
    fields = got.fields if got else {}
    check("ticket_get_by_id",
          fields.get("Title") == title and fields.get("State") == "open"
          and fields.get("Queue") == "Misc"
          and sorted(a.field_get("Body") for a in got.articles)
          == ["Created by PyOTRS", "Updated by PyOTRS"],
          f"ticket {fields!r}, articles {[a.fields for a in got.articles] if got else []!r}")
    found = client.ticket_search(Title=f"*{title}*")
    check("ticket_search", found == [str(ticket_id)],
          f"found {found!r}, expected [{str(ticket_id)!r}]")
    # The articles as OTOBO answers them: oldest first, each with the Subject and Body it was
    # sent with, SenderType `agent` for an agent's requests.
    articles = [(a.field_get("Subject"), a.field_get("Body"), a.field_get("SenderType"))
                for a in (got.articles if got else [])]
    check("ticket_get_by_id articles as OTOBO answers them",
          articles == [("First article from PyOTRS", "Created by PyOTRS", "agent"),
                       ("Second article from PyOTRS", "Updated by PyOTRS", "agent")],
          f"(Subject, Body, SenderType) of the articles: {articles!r}")


if __name__ == "__main__":
    main()
