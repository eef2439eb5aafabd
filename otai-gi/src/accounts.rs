//! The configured users and customer users: salted password hashes (the plain passwords are
//! dropped after loading), compared in constant time.

use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::config::AccountConfig;

/// Who a request authenticated as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    /// An agent (`UserLogin`).
    Agent(String),
    /// A customer user (`CustomerUserLogin`).
    Customer(String),
}

impl Identity {
    /// `User` or `Customer`, as OTOBO names the user type.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Agent(_) => "User",
            Self::Customer(_) => "Customer",
        }
    }

    /// The login.
    pub fn login(&self) -> &str {
        match self {
            Self::Agent(login) | Self::Customer(login) => login,
        }
    }

    /// The identity of `kind` (`User` or `Customer`) and `login`, as stored.
    pub fn from_parts(kind: &str, login: String) -> Option<Self> {
        match kind {
            "User" => Some(Self::Agent(login)),
            "Customer" => Some(Self::Customer(login)),
            _ => None,
        }
    }
}

struct Account {
    login: String,
    salt: [u8; 16],
    hash: [u8; 32],
}

/// The accounts of one web service.
pub struct Accounts {
    agents: Vec<Account>,
    customers: Vec<Account>,
    dummy: Account,
}

impl std::fmt::Debug for Accounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Accounts")
            .field("agents", &self.agents.len())
            .field("customers", &self.customers.len())
            .finish()
    }
}

fn digest(salt: &[u8; 16], password: &[u8]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(salt);
    hasher.update(password);
    hasher.finalize().into()
}

fn account(login: &str, password: &[u8]) -> Result<Account, getrandom::Error> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt)?;
    Ok(Account {
        login: login.to_owned(),
        salt,
        hash: digest(&salt, password),
    })
}

impl Accounts {
    /// Hashes the passwords of `users` and `customers`.
    pub fn new(
        users: &[AccountConfig],
        customers: &[AccountConfig],
    ) -> Result<Self, getrandom::Error> {
        let hashed = |list: &[AccountConfig]| {
            list.iter()
                .map(|a| account(&a.login, a.password.expose_secret().as_bytes()))
                .collect::<Result<Vec<_>, _>>()
        };
        let mut noise = [0u8; 16];
        getrandom::fill(&mut noise)?;
        Ok(Self {
            agents: hashed(users)?,
            customers: hashed(customers)?,
            dummy: account("", &noise)?,
        })
    }

    /// Whether agent `login` has `password`.
    pub fn agent(&self, login: &str, password: &str) -> bool {
        self.check(&self.agents, login, password)
    }

    /// Whether customer user `login` has `password`.
    pub fn customer(&self, login: &str, password: &str) -> bool {
        self.check(&self.customers, login, password)
    }

    /// An unknown login costs the same hash as a known one.
    fn check(&self, list: &[Account], login: &str, password: &str) -> bool {
        let found = list.iter().find(|a| a.login == login);
        let account = found.unwrap_or(&self.dummy);
        let given = digest(&account.salt, password.as_bytes());
        bool::from(given.ct_eq(&account.hash)) && found.is_some()
    }
}
