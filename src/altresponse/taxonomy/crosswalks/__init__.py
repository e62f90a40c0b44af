"""Agency crosswalks shipped with altresponse (CSV data only)."""
