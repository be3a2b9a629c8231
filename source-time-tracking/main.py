"""Run the connector from its folder: `python main.py spec|check|discover|read ...`."""

from source_time_tracking.run import run

if __name__ == "__main__":
    run()
