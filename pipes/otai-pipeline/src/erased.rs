//! A [`Pipe`] with its params type erased: what the registry stores and the engine calls.

use std::any::Any;
use std::sync::Arc;

use async_trait::async_trait;

use crate::TemplateValue;
use crate::params::plan::{Filled, Plan};
use crate::params::{check_at_load, parse};
use crate::pipe::{CheckContext, ItemStream, ParamError, Pipe, PipeContext};
use futures::future::BoxFuture;
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

    /// Parses (unless prepared), checks and starts the pipe's stream ([`Pipe::stream`]);
    /// `None` when it does not stream.
    fn stream(&self, ctx: &PipeContext, name: &str, input: Input<'_>)
    -> Result<Streamed, RunError>;
}

/// A pipe's stream once started, if it streams.
pub(crate) type Streamed = Option<BoxFuture<'static, otai_core::Result<ItemStream>>>;

/// Params as a run reads them: parsed at load, or now.
enum Params<'a, P> {
    Prepared(&'a P),
    Parsed(P),
}

impl<P> std::ops::Deref for Params<'_, P> {
    type Target = P;

    fn deref(&self) -> &P {
        match self {
            Params::Prepared(p) => p,
            Params::Parsed(p) => p,
        }
    }
}

impl<P: Pipe> Typed<P> {
    /// The params of a run: the prepared ones, or the rendered ones parsed and checked.
    fn params<'a>(
        &self,
        ctx: &PipeContext,
        name: &str,
        input: Input<'a>,
    ) -> Result<Params<'a, P::Params>, RunError> {
        match input {
            Input::Prepared(prepared) => prepared
                .downcast_ref::<P::Params>()
                .map(Params::Prepared)
                .ok_or_else(|| {
                    RunError::Failed(Error::config(
                        format!("pipes.{}", ctx.pipe_id),
                        "params prepared for another pipe (a bug in otai)",
                    ))
                }),
            Input::Filled(filled) => {
                let mut params: P::Params = parse(&filled, name).map_err(RunError::Params)?;
                drop(filled);
                let service = ctx.service.as_ref().map(|s| (s.kind(), s.native_keys()));
                let check = CheckContext::at_run(&ctx.pipe_id, service);
                self.0
                    .check_rendered(&mut params, &check)
                    .map_err(RunError::Params)?;
                Ok(Params::Parsed(params))
            }
        }
    }
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
        let params = self.params(ctx, name, input)?;
        self.0.run(ctx, &params).await.map_err(RunError::Failed)
    }

    fn stream(
        &self,
        ctx: &PipeContext,
        name: &str,
        input: Input<'_>,
    ) -> Result<Streamed, RunError> {
        let params = self.params(ctx, name, input)?;
        Ok(self.0.stream(ctx, &params))
    }
}
