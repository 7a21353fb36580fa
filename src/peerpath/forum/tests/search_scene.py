"""The forums search tests talk about (forum search, similar threads, knowledge, the API), made through services.

- `private`: the weekly fibromyalgia space, forum members only; the member persona belongs, the carer is a listener;
  a thread "Pacing on work days" with an answered reply, and meeting notes about pacing.
- `public`: a POTS space whose forum anyone may read; the member persona belongs; an answered thread
  "Pacing at school with POTS".
"""

from __future__ import annotations

from dataclasses import dataclass

from peerpath.forum import services
from peerpath.forum.models import Post, Thread
from peerpath.forum.tests.helpers import forum_space, reply, settle, thread
from peerpath.spaces import meetings
from peerpath.spaces.models import MeetingNote, Membership, Space
from peerpath.spaces.tests.helpers import join, next_meeting
from peerpath.testing.personas import World


@dataclass
class Scene:
    private: Space
    public: Space
    private_thread: Thread
    private_answer: Post
    public_thread: Thread
    public_answer: Post
    note: MeetingNote


def scene(world: World) -> Scene:
    coordinator, member = world.people["coordinator"], world.people["member"]
    private = forum_space(world)
    join(world.people["carer"], private, role=Membership.Role.LISTENER, organiser=coordinator)
    public = forum_space(world, name="POTS Thursday Group", conditions=("pots",))
    settle(private)
    settle(public)
    services.forum_settings_update(actor=coordinator, space=public, public=True)

    private_thread = thread(member, private, "Pacing on work days", "How do you pace yourself on a busy shift?")
    private_answer = reply(coordinator, private_thread, "I plan rest breaks before I need them, even at work.")
    services.answer_mark(actor=member, thread=private_thread, post=private_answer)
    public_thread = thread(member, public, "Pacing at school with POTS", "What helps you get through a school day?")
    public_answer = reply(coordinator, public_thread, "Salt, fluids and sitting down between lessons.")
    services.answer_mark(actor=member, thread=public_thread, post=public_answer)
    note = meetings.meeting_note_save(
        actor=coordinator,
        meeting=next_meeting(private),
        topics="Pacing and the energy envelope",
        resources="A pacing diary template",
        open_questions="",
    )
    for model in (private_thread, public_thread, private_answer, public_answer):
        model.refresh_from_db()
    return Scene(private, public, private_thread, private_answer, public_thread, public_answer, note)
