"""Where a patient stands in the trial, from the dates of their record."""

from datetime import date


def patient_status(*, enrollment_date: date | None, first_infusion_date: date | None,
                   off_study_date: date | None, death_date: date | None, today: date,
                   dlt_window_days: int = 28) -> str:
    """screening / enrolled / infused day N / follow-up / off study (or died)."""
    if death_date and death_date <= today:
        return "died"
    if off_study_date and off_study_date <= today:
        return "off study"
    if first_infusion_date and first_infusion_date <= today:
        day = (today - first_infusion_date).days
        return f"infused day {day}" if day <= dlt_window_days else "follow-up"
    if enrollment_date and enrollment_date <= today:
        return "enrolled"
    return "screening"
