//! The library example runs on a fresh machine and triages every sample ticket.

use assert_cmd::Command;

#[test]
fn triages_every_sample_ticket() -> Result<(), Box<dyn std::error::Error>> {
    let output = Command::cargo_bin("sdk-library")?.output()?;
    let stdout = String::from_utf8(output.stdout)?;
    assert!(output.status.success(), "sdk-library failed: {stdout}");
    assert!(
        stdout.contains("Printer on fire in room 42       -> Hardware      high   (hardware)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("-> IT Access     high   (access)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("-> Billing       normal (billing)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("-> Service Desk  low    (other)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("summary: 4 seen, 4 changed, 0 failed, 0 left in Raw"),
        "{stdout}"
    );
    Ok(())
}
