//! Error paths over HTTP: bad credentials, forgotten sessions, unknown routes and operations,
//! unknown search parameters, oversized and deep bodies, invalid and unknown web services,
//! customers kept to their own tickets, credentials kept out of the debugger's records.

mod support;

use serde_json::{Value, json};
use support::{AGENT, CUSTOMER, Served, TestResult, client, webservices};

async fn post(url: &str, body: &Value) -> Result<Value, Box<dyn std::error::Error>> {
    Ok(client()?.post(url).json(body).send().await?.json().await?)
}

fn code(answer: &Value) -> &str {
    answer["Error"]["ErrorCode"].as_str().unwrap_or_default()
}

async fn session(
    base: &str,
    login: (&str, &str),
    key: &str,
) -> Result<String, Box<dyn std::error::Error>> {
    let answer = post(
        &format!("{base}/Session"),
        &json!({key: login.0, "Password": login.1}),
    )
    .await?;
    Ok(answer["SessionID"]
        .as_str()
        .ok_or(format!("no session: {answer}"))?
        .to_owned())
}

async fn create(
    base: &str,
    session: &str,
    customer: &str,
) -> Result<String, Box<dyn std::error::Error>> {
    let answer = post(
        &format!("{base}/Ticket"),
        &json!({"SessionID": session,
            "Ticket": {"Title": "t", "Queue": "Raw", "CustomerUser": customer},
            "Article": {"Subject": "s", "Body": "b", "ContentType": "text/plain"}}),
    )
    .await?;
    Ok(answer["TicketID"]
        .as_str()
        .ok_or(format!("no ticket: {answer}"))?
        .to_owned())
}

#[tokio::test]
async fn bad_credentials_get_otobos_codes() -> TestResult {
    let served = Served::start(&webservices("")).await?;
    let base = served.webservice("GenericTicketConnectorREST");
    let wrong = post(
        &format!("{base}/Session"),
        &json!({"UserLogin": AGENT.0, "Password": "wrong"}),
    )
    .await?;
    assert_eq!(
        wrong,
        json!({"Error": {"ErrorCode": "SessionCreate.AuthFail", "ErrorMessage": "SessionCreate: Authorization failing!"}})
    );
    let unknown = post(
        &format!("{base}/Session"),
        &json!({"UserLogin": "nobody", "Password": AGENT.1}),
    )
    .await?;
    assert_eq!(code(&unknown), "SessionCreate.AuthFail");
    let customer_as_agent = post(
        &format!("{base}/Session"),
        &json!({"UserLogin": CUSTOMER.0, "Password": CUSTOMER.1}),
    )
    .await?;
    assert_eq!(code(&customer_as_agent), "SessionCreate.AuthFail");
    let no_login = post(&format!("{base}/Session"), &json!({"Password": "x"})).await?;
    assert_eq!(code(&no_login), "SessionCreate.MissingParameter");
    let per_request = post(
        &format!("{base}/Ticket"),
        &json!({"UserLogin": AGENT.0, "Password": "wrong", "Ticket": {"Title": "t"}}),
    )
    .await?;
    assert_eq!(
        per_request["Error"]["ErrorMessage"],
        "TicketCreate: User could not be authenticated!"
    );
    let get = client()?
        .get(format!(
            "{base}/Ticket/1?UserLogin={}&Password=nope",
            AGENT.0
        ))
        .send()
        .await?;
    assert_eq!(code(&get.json().await?), "TicketGet.AuthFail");
    Ok(())
}

#[tokio::test]
async fn a_forgotten_or_foreign_session_fails_and_session_get_says_so() -> TestResult {
    let served = Served::start(&webservices("")).await?;
    let base = served.webservice("GenericTicketConnectorREST");
    let id = session(&base, AGENT, "UserLogin").await?;
    assert_eq!(id.len(), 40, "160 random bits in hex");
    let got: Value = client()?
        .get(format!("{base}/Session/{id}"))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(
        got["SessionData"][0],
        json!({"Key": "UserLogin", "Value": AGENT.0})
    );
    // A session id is used exclusively: good credentials beside a bad session do not help.
    let bad = client()?
        .get(format!(
            "{base}/Ticket/1?SessionID=nope&UserLogin={}&Password={}",
            AGENT.0, AGENT.1
        ))
        .send()
        .await?;
    assert_eq!(code(&bad.json().await?), "TicketGet.AuthFail");
    // The store keeps no session id, only its hash.
    use otai_state::StateStore;
    assert!(served.state.gi_session_get(&id)?.is_none());
    // Sessions past their lifetime are swept: the id stops working.
    let swept = served
        .state
        .gi_session_sweep(chrono::Utc::now().timestamp() + 1)?;
    assert_eq!(swept, 1);
    let after = post(
        &format!("{base}/Ticket"),
        &json!({"SessionID": id, "Ticket": {"Title": "t"}}),
    )
    .await?;
    assert_eq!(code(&after), "TicketCreate.AuthFail");
    let get: Value = client()?
        .get(format!("{base}/Session/{id}"))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(
        get,
        json!({"Error": {"ErrorCode": "SessionGet.SessionInvalid", "ErrorMessage": "SessionGet: SessionID is Invalid!"}})
    );
    // A session of one web service does not open another.
    let soap_session = session(&base, AGENT, "UserLogin").await?;
    let other = served.webservice("GenericTicketConnectorSOAP");
    let envelope = format!(
        "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body><TicketGet><SessionID>{soap_session}</SessionID><TicketID>1</TicketID></TicketGet></soap:Body></soap:Envelope>"
    );
    let text = client()?
        .post(other)
        .body(envelope)
        .send()
        .await?
        .text()
        .await?;
    assert!(
        text.contains("<ErrorCode>TicketGet.AuthFail</ErrorCode>"),
        "{text}"
    );
    Ok(())
}

#[tokio::test]
async fn unknown_routes_operations_and_bodies_get_otobos_transport_errors() -> TestResult {
    let served = Served::start(&webservices("")).await?;
    let base = served.webservice("GenericTicketConnectorREST");
    let client = client()?;
    let trailing = client
        .post(format!("{base}/Ticket/"))
        .body("{}")
        .send()
        .await?;
    assert_eq!(trailing.status(), 500);
    assert_eq!(
        trailing.text().await?,
        "HTTP::REST Error while determine Operation for request URI '/Ticket/'."
    );
    let method = client.delete(format!("{base}/Ticket/1")).send().await?;
    assert_eq!(method.status(), 500);
    let empty = client
        .post(format!("{base}/Session"))
        .body("{}")
        .send()
        .await?;
    assert_eq!(
        empty.text().await?,
        "Unsupported request content structure."
    );
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let deep = client
        .post(format!("{base}/Session"))
        .body(deep)
        .send()
        .await?;
    assert_eq!(deep.status(), 500);
    assert_eq!(deep.text().await?, "Error while decoding request content.");
    let big = client
        .post(format!("{base}/Session"))
        .body(vec![b' '; 100_001])
        .send()
        .await?;
    assert_eq!(big.status(), 413);
    let soap = served.webservice("GenericTicketConnectorSOAP");
    let unknown_op = "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body><TicketMerge><TicketID>1</TicketID></TicketMerge></soap:Body></soap:Envelope>";
    let fault = client.post(&soap).body(unknown_op).send().await?;
    assert_eq!(fault.status(), 500);
    assert!(
        fault
            .text()
            .await?
            .contains("<faultstring>Got no OperationType!</faultstring>")
    );
    let action = client
        .post(&soap)
        .header("SOAPAction", "urn:wrong#TicketGet")
        .body(unknown_op.replace("TicketMerge", "TicketGet"))
        .send()
        .await?;
    assert!(
        action
            .text()
            .await?
            .contains("does not match expected result")
    );
    Ok(())
}

#[tokio::test]
async fn invalid_unknown_and_misprefixed_web_services_answer_500_with_nothing() -> TestResult {
    let served = Served::start(&webservices("")).await?;
    let client = client()?;
    for url in [
        served.webservice("Retired") + "/Ticket/1",
        format!(
            "{}/otobo/nph-genericinterface.pl/WebserviceID/3/Ticket/1",
            served.url
        ),
        served.webservice("NoSuchService") + "/Ticket/1",
        format!(
            "{}/otobo/nph-genericinterface.pl/WebserviceID/99/Ticket/1",
            served.url
        ),
        format!(
            "{}/znuny/nph-genericinterface.pl/Webservice/GenericTicketConnectorREST/Ticket/1",
            served.url
        ),
    ] {
        let response = client.get(&url).send().await?;
        assert_eq!(response.status(), 500, "{url}");
        assert_eq!(response.text().await?, "", "{url}");
    }
    // The same web service by id answers.
    let by_id = format!(
        "{}/otobo/nph-genericinterface.pl/WebserviceID/1/Session",
        served.url
    );
    let answer = post(&by_id, &json!({"UserLogin": AGENT.0, "Password": AGENT.1})).await?;
    assert!(answer["SessionID"].is_string(), "{answer}");
    Ok(())
}

#[tokio::test]
async fn ticket_search_refuses_what_it_cannot_honour() -> TestResult {
    let served = Served::start(&webservices("")).await?;
    let base = served.webservice("GenericTicketConnectorREST");
    let id = session(&base, AGENT, "UserLogin").await?;
    let first = create(&base, &id, "bob").await?;
    let second = create(&base, &id, "carol").await?;
    let search = |query: String| {
        let url = format!("{base}/Ticket?SessionID={id}&{query}");
        async move { client()?.get(url).send().await?.json::<Value>().await }
    };
    let typo = search("Queus=Raw".into()).await?;
    assert_eq!(code(&typo), "TicketSearch.InvalidParameter");
    let message = typo["Error"]["ErrorMessage"].as_str().unwrap_or_default();
    assert!(message.contains("did you mean `Queues`?"), "{message}");
    let sort = search("SortBy=Colour".into()).await?;
    assert_eq!(code(&sort), "TicketSearch.InvalidParameter");
    let all = search("Queues=Raw&SortBy=TicketID&OrderBy=Up".into()).await?;
    assert_eq!(all, json!({"TicketID": [first, second]}));
    let newest = search("Limit=1".into()).await?;
    assert_eq!(
        newest,
        json!({"TicketID": [second]}),
        "Age Down: the youngest first"
    );
    let either = search("CustomerUserLogin=bob".into()).await?;
    assert_eq!(either, json!({"TicketID": [first]}));
    let none = search("Queues=Nowhere".into()).await?;
    assert_eq!(none, json!({}));
    Ok(())
}

#[tokio::test]
async fn customers_see_and_search_only_their_own_tickets() -> TestResult {
    let served = Served::start(&webservices("")).await?;
    let base = served.webservice("GenericTicketConnectorREST");
    let agent = session(&base, AGENT, "UserLogin").await?;
    let theirs = create(&base, &agent, CUSTOMER.0).await?;
    let other = create(&base, &agent, "bob").await?;
    let customer = session(&base, CUSTOMER, "CustomerUserLogin").await?;
    let client = client()?;
    let own: Value = client
        .get(format!("{base}/Ticket/{theirs}?SessionID={customer}"))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(own["Ticket"][0]["TicketID"], json!(theirs.parse::<u64>()?));
    let foreign: Value = client
        .get(format!("{base}/Ticket/{other}?SessionID={customer}"))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(code(&foreign), "TicketGet.AccessDenied");
    let found: Value = client
        .get(format!("{base}/Ticket?SessionID={customer}"))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(found, json!({"TicketID": [theirs]}));
    let history: Value = client
        .get(format!(
            "{base}/TicketHistory/{theirs}?SessionID={customer}"
        ))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(code(&history), "TicketHistoryGet.AuthFail");
    Ok(())
}

#[tokio::test]
async fn the_debugger_hook_gets_every_exchange_without_credentials() -> TestResult {
    let served = Served::start(&webservices("")).await?;
    let base = served.webservice("GenericTicketConnectorREST");
    let id = session(&base, AGENT, "UserLogin").await?;
    create(&base, &id, "bob").await?;
    client()?.get(format!("{base}/Nope")).send().await?;
    let kept = served.kept.0.lock().map_err(|_| "poisoned")?.clone();
    assert_eq!(kept.len(), 3);
    let shown = format!("{kept:?}");
    assert!(!shown.contains(AGENT.1), "{shown}");
    assert!(!shown.contains(&id), "{shown}");
    assert!(shown.contains(AGENT.0), "the login stays");
    assert_eq!(kept[0].operation.as_deref(), Some("SessionCreate"));
    assert_eq!(kept[0].request["Password"], "[redacted]");
    assert_eq!(kept[0].response["SessionID"], "[redacted]");
    assert_eq!(kept[2].operation, None);
    assert!(
        kept[2]
            .error
            .as_deref()
            .is_some_and(|e| e.contains("/Nope"))
    );
    Ok(())
}
