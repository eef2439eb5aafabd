//! A deterministic generator of realistic helpdesk tickets in English and German, labelled with
//! a queue and a priority, with the noise real tickets carry: greetings, signatures, quoted
//! replies about other topics, typos, HTML remnants and mixed languages.

use serde_json::{Value, json};

/// The queues and, per language, subjects and body sentences (`{x}` is filled from `THINGS`).
/// Texts to pick from.
type Texts = &'static [&'static str];
/// A queue: its name, English subjects and sentences, German subjects and sentences.
type Queue = (&'static str, Texts, Texts, Texts, Texts);

const QUEUES: &[Queue] = &[
    (
        "Network",
        &[
            "VPN keeps disconnecting",
            "No internet in meeting room {room}",
            "Wifi very slow on floor {floor}",
            "Cannot reach the file server",
            "Network drive not mapped",
            "VPN client error 809",
            "Remote access broken since update",
            "DNS not resolving internal sites",
        ],
        &[
            "The VPN connection drops every few minutes when I work from home.",
            "Since this morning I cannot open any internal page, the browser says the server could not be found.",
            "The wireless network in room {room} is extremely slow, video calls freeze.",
            "My laptop shows connected but there is no internet access.",
            "I cannot map the shared drive, it says the network path was not found.",
            "The ethernet port at my desk seems dead, the cable light stays off.",
            "Ping to the gateway times out, other colleagues have the same issue.",
            "Connection to the remote desktop host fails after the tunnel comes up.",
        ],
        &[
            "VPN trennt ständig die Verbindung",
            "Kein Internet im Besprechungsraum {room}",
            "WLAN extrem langsam im {floor}. Stock",
            "Netzlaufwerk nicht erreichbar",
            "Fileserver antwortet nicht",
            "VPN Fehler 809",
            "Fernzugriff geht nicht mehr",
            "Interne Seiten laden nicht",
        ],
        &[
            "Die VPN-Verbindung bricht im Homeoffice alle paar Minuten ab.",
            "Seit heute früh kann ich keine internen Seiten öffnen, der Server wird nicht gefunden.",
            "Das WLAN in Raum {room} ist so langsam, dass Videokonferenzen hängen.",
            "Der Laptop zeigt verbunden an, aber es gibt keinen Internetzugang.",
            "Das Netzlaufwerk lässt sich nicht verbinden, der Netzwerkpfad wurde nicht gefunden.",
            "Die Netzwerkdose an meinem Platz scheint tot zu sein, das Kabel leuchtet nicht.",
            "Der Router im Lager startet ständig neu.",
            "Die Verbindung zum Terminalserver schlägt fehl, sobald der Tunnel steht.",
        ],
    ),
    (
        "Hardware",
        &[
            "Printer on floor {floor} jammed",
            "Laptop screen flickering",
            "Docking station not detected",
            "Keyboard keys stuck",
            "Monitor stays black",
            "Battery drains within an hour",
            "Need a replacement mouse",
            "Scanner produces blank pages",
        ],
        &[
            "The printer next to room {room} shows a paper jam but there is no paper stuck.",
            "My laptop display flickers and sometimes goes completely dark.",
            "The docking station is not recognised, external monitors stay black.",
            "Several keys on my keyboard are stuck after coffee was spilled.",
            "The second monitor gets no signal although the cable is plugged in.",
            "The battery of my {device} is empty after one hour, it is only a year old.",
            "The mouse stopped working, new batteries did not help.",
            "The scanner feeds the pages but the PDF is empty.",
        ],
        &[
            "Drucker im {floor}. OG Papierstau",
            "Bildschirm flackert",
            "Dockingstation wird nicht erkannt",
            "Tastatur defekt",
            "Monitor bleibt schwarz",
            "Akku hält nicht mehr",
            "Neue Maus benötigt",
            "Scanner liefert leere Seiten",
        ],
        &[
            "Der Drucker neben Raum {room} meldet Papierstau, es steckt aber nichts fest.",
            "Mein Laptop-Bildschirm flackert und wird manchmal ganz dunkel.",
            "Die Dockingstation wird nicht erkannt, die externen Monitore bleiben schwarz.",
            "Mehrere Tasten klemmen, nachdem Kaffee über die Tastatur gelaufen ist.",
            "Der zweite Monitor bekommt kein Signal, obwohl das Kabel steckt.",
            "Der Akku meines {device} ist nach einer Stunde leer.",
            "Die Maus funktioniert nicht mehr, neue Batterien helfen nicht.",
            "Der Scanner zieht die Blätter ein, aber das PDF ist leer.",
        ],
    ),
    (
        "Access",
        &[
            "Password expired",
            "Account locked after login attempts",
            "Need access to the {app} project folder",
            "MFA token lost",
            "New employee needs an account",
            "Cannot log in to {app}",
            "Permission denied on shared mailbox",
            "Reset my password please",
        ],
        &[
            "My password expired while I was on holiday and now I cannot sign in.",
            "After three wrong attempts my account is locked.",
            "Please grant me read and write permission on the {app} folder.",
            "I lost my phone with the authenticator app and cannot complete the second factor.",
            "Our new colleague starts on Monday and needs a user account and an email address.",
            "The {app} login page says my credentials are invalid.",
            "I get access denied when I open the team mailbox.",
            "Please remove the access rights of a colleague who left the company.",
        ],
        &[
            "Passwort abgelaufen",
            "Konto gesperrt",
            "Zugriff auf {app} Ordner benötigt",
            "MFA Gerät verloren",
            "Neuer Mitarbeiter braucht Zugang",
            "Anmeldung bei {app} nicht möglich",
            "Keine Berechtigung auf Gruppenpostfach",
            "Bitte Passwort zurücksetzen",
        ],
        &[
            "Mein Passwort ist im Urlaub abgelaufen und ich kann mich nicht mehr anmelden.",
            "Nach drei Fehlversuchen ist mein Benutzerkonto gesperrt.",
            "Bitte gebt mir Lese- und Schreibrechte auf den {app} Ordner.",
            "Ich habe mein Handy mit der Authenticator-App verloren.",
            "Unser neuer Kollege fängt am Montag an und braucht ein Benutzerkonto.",
            "Die Anmeldung bei {app} sagt, meine Zugangsdaten seien ungültig.",
            "Beim Öffnen des Teampostfachs kommt Zugriff verweigert.",
            "Bitte die Berechtigungen eines ausgeschiedenen Kollegen entfernen.",
        ],
    ),
    (
        "Billing",
        &[
            "Invoice {number} amount wrong",
            "Charged twice for order {number}",
            "Refund not received",
            "Please send a copy of the invoice",
            "VAT number missing on invoice",
            "Change billing address",
            "Credit note for returned goods",
            "Payment reminder although paid",
        ],
        &[
            "Invoice {number} lists twelve licences but we only ordered ten.",
            "Our credit card was charged twice for the same order.",
            "We returned the goods three weeks ago and still have not received the refund.",
            "Could you send us a copy of invoice {number} for our accounting?",
            "Our VAT ID is missing on the last invoice, please correct it.",
            "Please update our billing address, we moved to a new office.",
            "We are still waiting for the credit note for the returned items.",
            "We received a payment reminder although the amount was transferred on the 3rd.",
        ],
        &[
            "Rechnung {number} falscher Betrag",
            "Doppelte Abbuchung Bestellung {number}",
            "Erstattung nicht erhalten",
            "Bitte Rechnungskopie senden",
            "USt-IdNr fehlt auf Rechnung",
            "Rechnungsadresse ändern",
            "Gutschrift für Rücksendung",
            "Mahnung trotz Zahlung",
        ],
        &[
            "Auf Rechnung {number} stehen zwölf Lizenzen, bestellt haben wir zehn.",
            "Unsere Kreditkarte wurde für dieselbe Bestellung zweimal belastet.",
            "Die Ware ging vor drei Wochen zurück, die Erstattung fehlt noch.",
            "Könnten Sie uns eine Kopie der Rechnung {number} für die Buchhaltung schicken?",
            "Auf der letzten Rechnung fehlt unsere Umsatzsteuer-ID.",
            "Bitte ändern Sie unsere Rechnungsanschrift, wir sind umgezogen.",
            "Wir warten noch auf die Gutschrift für die zurückgeschickten Artikel.",
            "Wir haben eine Mahnung bekommen, obwohl der Betrag am 3. überwiesen wurde.",
        ],
    ),
    (
        "Software",
        &[
            "{app} crashes on start",
            "Excel freezes with large files",
            "Please install {app}",
            "Update failed with error",
            "Outlook does not sync",
            "License expired for {app}",
            "Macro stopped working",
            "Teams has no sound",
        ],
        &[
            "{app} closes immediately after the splash screen.",
            "Excel hangs when I open a spreadsheet with more than a few thousand rows.",
            "I need {app} installed on my {device} for a customer project.",
            "The latest update failed with error 0x80070005 and rolled back.",
            "Outlook stopped syncing, new mail only shows up on my phone.",
            "{app} says the licence has expired and switches to read-only mode.",
            "Our reporting macro throws a runtime error since the last update.",
            "In Teams meetings nobody can hear me although the headset works elsewhere.",
        ],
        &[
            "{app} stürzt beim Start ab",
            "Excel hängt bei großen Dateien",
            "Bitte {app} installieren",
            "Update fehlgeschlagen",
            "Outlook synchronisiert nicht",
            "Lizenz für {app} abgelaufen",
            "Makro funktioniert nicht mehr",
            "Kein Ton in Teams",
        ],
        &[
            "{app} schließt sich direkt nach dem Startbildschirm.",
            "Excel hängt, wenn ich eine Tabelle mit einigen tausend Zeilen öffne.",
            "Ich brauche {app} auf meinem {device} für ein Kundenprojekt.",
            "Das letzte Update ist mit Fehler 0x80070005 abgebrochen.",
            "Outlook synchronisiert nicht mehr, neue Mails sehe ich nur am Handy.",
            "{app} meldet eine abgelaufene Lizenz und geht in den Lesemodus.",
            "Unser Berichtsmakro wirft seit dem Update einen Laufzeitfehler.",
            "In Teams-Besprechungen hört mich niemand, obwohl das Headset sonst geht.",
        ],
    ),
    (
        "Facilities",
        &[
            "Heating not working in room {room}",
            "Light broken in the corridor",
            "Door badge reader defective",
            "Meeting room {room} double booked",
            "Water leaking in kitchen",
            "Parking space request",
            "Desk chair broken",
            "Air conditioning too cold",
        ],
        &[
            "The heating in room {room} has been cold since Monday.",
            "Two ceiling lights in the corridor on floor {floor} are out.",
            "The badge reader at the side entrance does not open the door.",
            "Meeting room {room} shows two bookings for the same slot.",
            "Water is dripping from under the sink in the kitchen on floor {floor}.",
            "I would like to apply for a parking space in the underground car park.",
            "The gas lift of my desk chair is broken, it sinks all the way down.",
            "The air conditioning in the open office is set far too cold.",
        ],
        &[
            "Heizung in Raum {room} kalt",
            "Licht im Flur defekt",
            "Kartenleser an der Tür kaputt",
            "Besprechungsraum {room} doppelt gebucht",
            "Wasser tropft in der Küche",
            "Antrag Parkplatz",
            "Bürostuhl defekt",
            "Klimaanlage zu kalt",
        ],
        &[
            "Die Heizung in Raum {room} ist seit Montag kalt.",
            "Im Flur im {floor}. Stock sind zwei Deckenleuchten ausgefallen.",
            "Der Kartenleser am Seiteneingang öffnet die Tür nicht.",
            "Besprechungsraum {room} ist für denselben Termin doppelt gebucht.",
            "In der Küche im {floor}. Stock tropft Wasser unter der Spüle.",
            "Ich möchte einen Stellplatz in der Tiefgarage beantragen.",
            "Die Gasfeder meines Bürostuhls ist kaputt, er sinkt ganz nach unten.",
            "Die Klimaanlage im Großraumbüro ist viel zu kalt eingestellt.",
        ],
    ),
];

const APPS: &[&str] = &[
    "SAP",
    "Salesforce",
    "AutoCAD",
    "Jira",
    "DATEV",
    "Photoshop",
    "Navision",
    "Confluence",
];
const DEVICES: &[&str] = &[
    "ThinkPad",
    "MacBook",
    "Surface",
    "Dell Latitude",
    "HP EliteBook",
];
const NAMES: &[&str] = &[
    "Anna Schmidt",
    "John Miller",
    "Jörg Weiß",
    "Maria Rossi",
    "Tom Becker",
    "Sarah O'Neil",
    "Fatma Yilmaz",
    "Lukas Meyer",
];

/// Priorities with phrases that often (not always) go with them.
const PRIORITIES: &[(&str, &[&str])] = &[
    (
        "1 very low",
        &[
            "No hurry.",
            "Whenever you have time.",
            "Kein Stress, hat Zeit.",
        ],
    ),
    ("3 normal", &["", "Thanks in advance.", "Danke im Voraus."]),
    (
        "4 high",
        &[
            "This blocks my work today.",
            "Bitte zeitnah, ich kann so nicht arbeiten.",
            "Please look at it soon.",
        ],
    ),
    (
        "5 very high",
        &[
            "URGENT: the whole team is affected!",
            "Dringend, die ganze Abteilung steht!",
            "Production is down, ASAP please.",
        ],
    ),
];

fn pick<'a>(rng: &mut fastrand::Rng, items: &[&'a str]) -> &'a str {
    items[rng.usize(..items.len())]
}

fn fill(rng: &mut fastrand::Rng, template: &str) -> String {
    template
        .replace(
            "{room}",
            &format!("{}.{:02}", rng.u32(1..5), rng.u32(1..40)),
        )
        .replace("{floor}", &rng.u32(1..6).to_string())
        .replace("{app}", pick(rng, APPS))
        .replace("{device}", pick(rng, DEVICES))
        .replace(
            "{number}",
            &format!("{}-{}", rng.u32(2024..2027), rng.u32(10000..99999)),
        )
}

fn pick_fill(rng: &mut fastrand::Rng, items: &[&str]) -> String {
    let template = pick(rng, items);
    fill(rng, template)
}

/// Swaps, drops or doubles a letter in about one word out of `rate`.
fn typos(rng: &mut fastrand::Rng, text: &str, rate: u32) -> String {
    text.split(' ')
        .map(|word| {
            let chars: Vec<char> = word.chars().collect();
            if chars.len() < 4 || rng.u32(..rate) != 0 {
                return word.to_owned();
            }
            let mut chars = chars;
            let i = rng.usize(1..chars.len() - 1);
            match rng.u8(..3) {
                0 => chars.swap(i, i + 1),
                1 => {
                    chars.remove(i);
                }
                _ => chars.insert(i, chars[i]),
            }
            chars.into_iter().collect()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn body(rng: &mut fastrand::Rng, sentences: &[&str], german: bool) -> String {
    let mut parts = Vec::new();
    let count = rng.usize(1..4);
    for _ in 0..count {
        parts.push(pick_fill(rng, sentences));
    }
    parts.dedup();
    parts.join(" ")
        + if german {
            " Können Sie sich das bitte ansehen?"
        } else {
            " Could you please have a look?"
        }
}

/// `n` tickets, the same for the same `seed`.
pub(crate) fn generate(n: usize, seed: u64) -> Vec<Value> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut out = Vec::with_capacity(n);
    for id in 0..n {
        let q = id % QUEUES.len();
        let (queue, en_subjects, en_sentences, de_subjects, de_sentences) = QUEUES[q];
        let german = rng.u8(..100) < 45;
        let (subjects, sentences) = if german {
            (de_subjects, de_sentences)
        } else {
            (en_subjects, en_sentences)
        };
        let mut subject = pick_fill(&mut rng, subjects);
        // Some tickets say everything in the subject.
        let mut text = if rng.u8(..100) < 8 {
            (if german {
                "Siehe Betreff."
            } else {
                "See subject."
            })
            .to_owned()
        } else {
            body(&mut rng, sentences, german)
        };
        // Mixed language: a sentence of the same queue in the other language.
        if rng.u8(..100) < 12 {
            let other = if german { en_sentences } else { de_sentences };
            text.push(' ');
            text.push_str(&pick_fill(&mut rng, other));
        }
        // A side remark about another queue's topic.
        if rng.u8(..100) < 15 {
            let other = QUEUES[(q + rng.usize(1..QUEUES.len())) % QUEUES.len()];
            let sentences = if german { other.4 } else { other.2 };
            text.push_str(if german { " Übrigens: " } else { " Also: " });
            text.push_str(&pick_fill(&mut rng, sentences));
        }
        let priority = match rng.u8(..100) {
            0..10 => 0,
            10..65 => 1,
            65..90 => 2,
            _ => 3,
        };
        let (priority_name, phrases) = PRIORITIES[priority];
        // Most, not all, tickets say how urgent they are.
        if rng.u8(..100) < 75 {
            let phrase = pick(&mut rng, phrases);
            if !phrase.is_empty() {
                text.push(' ');
                text.push_str(phrase);
            }
        }
        let name = pick(&mut rng, NAMES);
        let greeting = if german {
            "Hallo zusammen,\n\n"
        } else {
            "Hi team,\n\n"
        };
        let closing = if german {
            "Viele Grüße"
        } else {
            "Best regards"
        };
        let mut full = format!(
            "{greeting}{}\n\n{closing}\n{name}",
            typos(&mut rng, &text, 12)
        );
        if rng.u8(..100) < 50 {
            full.push_str(&format!(
                "\n--\nACME Logistics GmbH | Tel. +49 30 {} | www.acme-logistics.example\nThis e-mail may contain confidential information.",
                rng.u32(100_000..999_999)
            ));
        }
        // A quoted earlier mail, often about something else entirely.
        if rng.u8(..100) < 20 {
            let other = QUEUES[rng.usize(..QUEUES.len())];
            let quoted = pick_fill(&mut rng, if german { other.4 } else { other.2 });
            let header = if german {
                "Am Montag schrieb Service Desk:"
            } else {
                "On Monday, Service Desk wrote:"
            };
            full.push_str(&format!("\n\n{header}\n> {quoted}\n> Ticket closed."));
        }
        if rng.u8(..100) < 15 {
            full = format!(
                "<html><body><p>{}</p><br/>&nbsp;</body></html>",
                full.replace("\n", "<br>")
            );
        }
        if rng.u8(..100) < 10 {
            subject = format!("RE: {subject}");
        } else if rng.u8(..100) < 8 {
            subject = format!("AW: WG: {subject}");
        }
        // History is not perfect: a few tickets were filed in another queue.
        let queue = if rng.u8(..100) < 3 {
            QUEUES[(q + rng.usize(1..QUEUES.len())) % QUEUES.len()].0
        } else {
            queue
        };
        out.push(json!({
            "id": id + 1,
            "subject": typos(&mut rng, &subject, 15),
            "body": full,
            "queue": queue,
            "priority": priority_name,
            "language": if german { "de" } else { "en" },
        }));
    }
    out
}
