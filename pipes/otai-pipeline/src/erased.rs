//! A [`Pipe`] with its params type erased: what the registry stores and the engine calls.

use std::any::Any;
use std::sync::Arc;

use async_trait::async_trait;

use crate::TemplateValue;
use crate::params::plan::{Filled, Plan};
use crate::params::{check_at_load, parse};
use crate::pipe::{CheckContext, ParamError, Pipe, PipeContext};
use otai_core::Error;

/// Params parsed once at load (all static and valid): the pipe's `Params`, type erased.
pub(crate) type Prepared = Arc<dyn Any + Send + Sync>;

/// The params a run gets.
pub(crate) enum Input<'a> {
    /// Parsed at load.
    Prepared(&'a Prepared),
    /// Rendered for this run, to parse now.
    Filled(Filled<'a>),
}

/// Why a run failed.
#[derive(Debug)]
pub(crate) enum RunError {
    /// The rendered params do not fit the pipe's params type.
    Params(Vec<ParamError>),
    /// The pipe failed.
    Failed(Error),
}

/// A pipe as the engine sees it.
#[async_trait]
pub(crate) trait ErasedPipe: Send + Sync {
    /// Checks the params known at load; parses them once when all are static and valid. `name`
    /// is the pipe's `use:` name, for messages.
    fn load(
        &self,
        plan: &Plan,
        name: &str,
        ctx: &CheckContext<'_>,
    ) -> (Vec<ParamError>, Option<Prepared>);

    /// Parses (unless prepared), checks and runs.
    async fn run(
        &self,
        ctx: &PipeContext,
        name: &str,
        input: Input<'_>,
    ) -> Result<TemplateValue, RunError>;
}

/// Compile-time check that the trait stays object safe.
const _: Option<&dyn ErasedPipe> = None;

/// The erased form of a typed pipe.
pub(crate) struct Typed<P>(pub(crate) P);

#[async_trait]
impl<P: Pipe> ErasedPipe for Typed<P> {
    fn load(
        &self,
        plan: &Plan,
        name: &str,
        ctx: &CheckContext<'_>,
    ) -> (Vec<ParamError>, Option<Prepared>) {
        let checked = check_at_load::<P::Params>(plan, name, |p| self.0.check(p, ctx));
        let prepared = checked.params.map(|p| Arc::new(p) as Prepared);
        (checked.errors, prepared)
    }

    async fn run(
        &self,
        ctx: &PipeContext,
        name: &str,
        input: Input<'_>,
    ) -> Result<TemplateValue, RunError> {
        match input {
            Input::Prepared(prepared) => {
                let params = prepared.downcast_ref::<P::Params>().ok_or_else(|| {
                    RunError::Failed(Error::config(
                        format!("pipes.{}", ctx.pipe_id),
                        "params prepared for another pipe (a bug in otai)",
                    ))
                })?;
                self.0.run(ctx, params).await.map_err(RunError::Failed)
            }
            Input::Filled(filled) => {
                let params: P::Params = parse(&filled, name).map_err(RunError::Params)?;
                drop(filled);
                let service = ctx.service.as_ref().map(|s| (s.kind(), s.native_keys()));
                let check = CheckContext::at_run(&ctx.pipe_id, service);
                self.0.check(&params, &check).map_err(RunError::Params)?;
                self.0.run(ctx, &params).await.map_err(RunError::Failed)
            }
        }
    }
}
