//! `include_ticket_data` (OTOBO's `IncludeTicketData: '1'`): TicketCreate and TicketUpdate answer
//! with the ticket as TicketGet shows it, `Ticket` one object and its `Article` the new one, over
//! REST and SOAP; without it, the answers carry no ticket.

mod support;

use serde_json::{Value, json};
use support::{AGENT, Served, TestResult, client, webservices};

/// A REST and a SOAP web service whose TicketCreate and TicketUpdate include ticket data.
fn including() -> String {
    format!(
        r#"
- name: Including
  id: 1
  service: helpdesk
  transport: {{ type: rest }}
  operations:
    TicketCreate: {{ type: Ticket::TicketCreate, include_ticket_data: true }}
    TicketUpdate: {{ type: Ticket::TicketUpdate, include_ticket_data: true }}
  users: [ {{ login: {0}, password: {1} }} ]
- name: IncludingSOAP
  id: 2
  service: helpdesk
  transport: {{ type: soap, namespace: 'http://www.otobo.org/TicketConnector/' }}
  operations:
    TicketCreate: {{ type: Ticket::TicketCreate, include_ticket_data: true }}
  users: [ {{ login: {0}, password: {1} }} ]
"#,
        AGENT.0, AGENT.1
    )
}

fn credentials() -> Value {
    json!({"UserLogin": AGENT.0, "Password": AGENT.1})
}

fn with_credentials(mut body: Value) -> Value {
    if let (Value::Object(map), Value::Object(creds)) = (&mut body, credentials()) {
        map.extend(creds);
    }
    body
}

/// Sends `body` with the agent's credentials and reads the JSON answer.
async fn call(request: reqwest::RequestBuilder, body: Value) -> Result<Value, reqwest::Error> {
    request
        .json(&with_credentials(body))
        .send()
        .await?
        .json()
        .await
}

/// An ID as text, whether it came as a string or a number.
fn id_text(value: &Value) -> String {
    value
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| value.to_string())
}

fn create_body() -> Value {
    json!({
        "Ticket": {"Title": "Printer jam", "Queue": "Raw", "State": "new",
                   "Priority": "3 normal", "CustomerUser": "jdoe@example.com"},
        "Article": {"Subject": "Printer jam", "Body": "Tray 2 is stuck.",
                    "ContentType": "text/plain; charset=utf-8", "IsVisibleForCustomer": 1},
        "DynamicField": [{"Name": "Building", "Value": "B2"}],
        "Attachment": [{"Content": "SGVsbG8gd29ybGQ=", "ContentType": "text/plain",
                        "Filename": "note.txt"}],
    })
}

#[tokio::test]
async fn create_and_update_answer_with_the_ticket_over_rest() -> TestResult {
    let served = Served::start(&including()).await?;
    let base = served.webservice("Including");
    let client = client()?;
    let created = call(client.post(format!("{base}/Ticket")), create_body()).await?;
    let ticket = &created["Ticket"];
    assert!(ticket.is_object(), "one object, not a list: {created}");
    assert_eq!(id_text(&ticket["TicketID"]), id_text(&created["TicketID"]));
    assert_eq!(ticket["Title"], "Printer jam");
    assert_eq!(ticket["Queue"], "Raw");
    assert_eq!(ticket["CustomerUserID"], "jdoe@example.com");
    assert_eq!(
        ticket["DynamicField"],
        json!([{"Name": "Building", "Value": "B2"}])
    );
    let article = &ticket["Article"];
    assert!(article.is_object(), "one article object: {ticket}");
    assert_eq!(
        id_text(&article["ArticleID"]),
        id_text(&created["ArticleID"])
    );
    assert_eq!(article["Subject"], "Printer jam");
    assert_eq!(article["Body"], "Tray 2 is stuck.");
    let files = article["Attachment"].as_array().ok_or("no attachments")?;
    assert_eq!(files.len(), 1);
    assert_eq!(files[0]["Filename"], "note.txt");
    assert_eq!(files[0]["Content"], "SGVsbG8gd29ybGQ=");

    let id = created["TicketID"]
        .as_str()
        .ok_or("no ticket id")?
        .to_owned();
    let update = json!({
        "Ticket": {"Priority": "4 high"},
        "Article": {"Subject": "Update", "Body": "Technician scheduled.",
                    "ContentType": "text/plain; charset=utf-8"},
    });
    let updated = call(client.patch(format!("{base}/Ticket/{id}")), update).await?;
    assert_eq!(updated["Ticket"]["Priority"], "4 high", "{updated}");
    assert_eq!(updated["Ticket"]["Article"]["Subject"], "Update");
    assert_eq!(
        id_text(&updated["Ticket"]["Article"]["ArticleID"]),
        id_text(&updated["ArticleID"])
    );
    assert!(
        updated["Ticket"]["Article"].get("Attachment").is_none(),
        "no attachment sent, none listed"
    );

    let open = json!({"Ticket": {"State": "open"}});
    let fields_only = call(client.patch(format!("{base}/Ticket/{id}")), open.clone()).await?;
    assert!(fields_only.get("ArticleID").is_none(), "{fields_only}");
    assert_eq!(fields_only["Ticket"]["State"], "open");
    assert_eq!(
        fields_only["Ticket"]["Article"]["Subject"], "Update",
        "without a new article, the ticket's last one"
    );

    let failed = call(client.patch(format!("{base}/Ticket/999999")), open).await?;
    assert_eq!(failed["Error"]["ErrorCode"], "TicketUpdate.AccessDenied");
    assert!(failed.get("Ticket").is_none());
    Ok(())
}

#[tokio::test]
async fn without_the_option_the_answers_carry_no_ticket() -> TestResult {
    let served = Served::start(&webservices("")).await?;
    let base = served.webservice("GenericTicketConnectorREST");
    let created = call(client()?.post(format!("{base}/Ticket")), create_body()).await?;
    assert!(created["TicketID"].is_string(), "{created}");
    assert!(created.get("Ticket").is_none(), "{created}");
    Ok(())
}

#[tokio::test]
async fn create_answers_with_the_ticket_over_soap() -> TestResult {
    let served = Served::start(&including()).await?;
    let url = served.webservice("IncludingSOAP");
    let envelope = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body><TicketCreate xmlns=\"http://www.otobo.org/TicketConnector/\"><UserLogin>{}</UserLogin><Password>{}</Password><Ticket><Title>SOAP jam</Title><Queue>Raw</Queue><State>new</State><Priority>3 normal</Priority><CustomerUser>jdoe@example.com</CustomerUser></Ticket><Article><Subject>SOAP jam</Subject><Body>stuck</Body><ContentType>text/plain; charset=utf8</ContentType></Article></TicketCreate></soap:Body></soap:Envelope>",
        AGENT.0, AGENT.1
    );
    let response = client()?
        .post(&url)
        .header("Content-Type", "text/xml; charset=utf-8")
        .body(envelope)
        .send()
        .await?;
    assert_eq!(response.status(), 200);
    let xml = response.text().await?;
    let answer = otai_otobo_znuny::soap::decode_response("test", "TicketCreate", 200, &xml)?;
    assert_eq!(answer["Ticket"]["Title"], "SOAP jam", "{xml}");
    assert_eq!(answer["Ticket"]["Article"]["Subject"], "SOAP jam");
    assert_eq!(
        answer["Ticket"]["Article"]["ArticleID"],
        answer["ArticleID"]
    );
    assert_eq!(xml.matches("<Ticket>").count(), 1, "one ticket element");
    Ok(())
}
