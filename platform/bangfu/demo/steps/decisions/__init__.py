"""The registry's decisions (``registry.StatusDecision``), made through the services the township
uses (``registry.coverage``):

- enrolments of the last two years copied from the benefits system (``decision_record``), with
  the county's decision numbers (元民救〔2026〕123号; the townships' own, 因远救〔2026〕45号, for
  those their reviewers confirm);
- 特困 and 单人纳保 of a member recommended by the village's assistant after a visit and
  confirmed by the township's reviewer;
- a few recommendations the township rejected, with its reason;
- exits: deaths, moves, a 16-year-old dropped from 特困 (the mistake the 16-18 rule finds), and
  低保 households whose income rose above the standard, who keep their 低保 through a 渐退期
  (003) ending in the coming months;
- recommendations waiting for the township, several in Yinyuan for the reviewer's log-in.

The households step writes today's registry; this step replays how part of it came to be: it
puts the households and members it draws back in their state before each decision and records
the decision, which brings them to today's state. The services date a decision by the clock;
the step dates each one back to the day it was taken, and keeps the review dates the households
step planned for enrolments long past.

One module a subject: what to decide and how many (``planned``), the step that draws the
households and members for each decision (``step``), and making the decisions through the
services and dating them back (``making``).
"""

from bangfu.demo.steps.decisions.step import DecisionsStep

__all__ = ["DecisionsStep"]
