// Reads an iCalendar document from standard input with ical.js, as Thunderbird does, and
// writes what a calendar program would show as JSON: the calendar's name and, per event,
// its UID, summary, status and start (wall-clock time, time zone and the moment in UTC,
// computed with the document's own VTIMEZONE).
import ICAL from "./ical.min.js";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const calendar = new ICAL.Component(ICAL.parse(Buffer.concat(chunks).toString("utf8")));
for (const zone of calendar.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(zone);
}
const moment = (time) =>
  time && {
    wall: time.toString(),
    tzid: time.isDate ? null : time.zone.tzid,
    utc: time.isDate ? null : time.toJSDate().toISOString(),
    offset: time.isDate ? null : time.utcOffset(),
  };
const events = calendar.getAllSubcomponents("vevent").map((component) => {
  const event = new ICAL.Event(component);
  return {
    uid: event.uid,
    summary: event.summary,
    description: event.description,
    location: event.location,
    status: component.getFirstPropertyValue("status"),
    sequence: event.sequence,
    start: moment(event.startDate),
    end: moment(event.endDate),
  };
});
process.stdout.write(
  JSON.stringify({
    name: calendar.getFirstPropertyValue("x-wr-calname"),
    rfc7986Name: calendar.getFirstPropertyValue("name"),
    description: calendar.getFirstPropertyValue("x-wr-caldesc"),
    events,
  }),
);
