//! The `postausgang` command: `postausgang serve` (the default) runs the service.

use std::process::ExitCode;

use backend::settings::{display_path, Settings};
use backend::telemetry::{build_subscriber, init_subscriber, DEFAULT_LOG_FILTER};
use backend::Application;
use clap::{Parser, Subcommand};

/// The allocator: mimalloc in place of glibc's malloc. Every mail allocates and frees its
/// request, JSON, MIME text and SMTP buffers on several threads. In the outbox benchmark,
/// glibc's `malloc` and `free` took 6 to 8 % of the service's CPU time (see BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Send a shop's mails through the seller's own SMTP servers.
#[derive(Debug, Parser)]
#[command(name = "postausgang", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API and the page (the default). Settings come from postausgang.toml or
    /// $POSTAUSGANG_CONFIG, overridden by POSTAUSGANG_* variables; see docs/api.md.
    Serve,
    /// Check the settings, report every problem, and exit.
    CheckConfig,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(error) = init_subscriber(build_subscriber(DEFAULT_LOG_FILTER, std::io::stdout)) {
        // Logging is not available yet, so this one message goes to stderr directly.
        #[allow(clippy::print_stderr)]
        {
            eprintln!("cannot set up logging: {error}");
        }
        return ExitCode::FAILURE;
    }

    let settings = match Settings::load() {
        Ok(settings) => settings,
        Err(error) => {
            for problem in &error.problems {
                tracing::error!(setting = problem.setting, "invalid setting: {problem}");
            }
            return ExitCode::from(2);
        }
    };
    log_settings(&settings);

    match cli.command.unwrap_or(Command::Serve) {
        Command::CheckConfig => {
            tracing::info!("the settings are valid");
            ExitCode::SUCCESS
        }
        Command::Serve => serve(settings),
    }
}

fn serve(settings: Settings) -> ExitCode {
    let result = actix_web::rt::System::new().block_on(async {
        let application = Application::build(settings).await?;
        application.run_until_signalled().await?;
        anyhow::Ok(())
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error.cause_chain = %format!("{error:#}"), "Postausgang stopped with an error");
            ExitCode::FAILURE
        }
    }
}

/// Logs the effective settings. None of them is secret: the key file's path is logged, never its
/// content.
fn log_settings(settings: &Settings) {
    let allow_hosts: Vec<String> = settings.allow_hosts.iter().map(ToString::to_string).collect();
    tracing::info!(
        listen = %settings.listen,
        data_dir = %display_path(&settings.data_dir),
        key_file = %display_path(&settings.key_file),
        allow_hosts = %allow_hosts.join(","),
        helo_name = %settings.helo_name,
        extra_root_certs = settings.extra_root_certs.as_deref().map(display_path).unwrap_or_default(),
        frontend_dir = %display_path(&settings.frontend_dir),
        secure_cookies = settings.secure_cookies,
        "settings loaded"
    );
}
