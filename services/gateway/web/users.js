// Homeward web app: accounts. The admin's Users page (each user's state:
// active, disabled, locked until a time, must change the password; and
// buttons to disable or enable, reset the password, unlock, delete), and
// the page where anyone changes their own password (where a user whose
// password an admin set is sent before anything else). Its words, in both
// languages, are here. Loaded before app.js, whose helpers (el, t, api,
// go, toast, label, state, main) these functions call.
"use strict";

Object.assign (HW_TEXT ["zh-CN"], {
  change_password: "修改密码", current_password: "当前密码", new_password: "新密码",
  repeat_password: "再次输入新密码", passwords_differ: "两次输入的新密码不一致",
  password_changed: "密码已修改；您在其他设备上的登录已退出",
  must_change_intro: "管理员为您设置了这个密码。请先换成只有您自己知道的新密码，然后才能继续使用。",
  password_rules: "至少 10 个字符；不能是常见密码（如 woaini1314、1qaz2wsx），不能是重复或连续的字符（如 aaaaaaaaaa、1234567890），不能包含用户名。几个容易记住的词连在一起就是好密码。",
  pw_too_short: "密码太短：至少需要 10 个字符（几个容易记住的词连在一起就是好密码）。",
  pw_too_long: "密码太长：不能超过 1024 字节。",
  pw_not_text: "密码只能是普通文字，不能有控制字符。",
  pw_common: "这是最常见的密码之一，会被最先猜到：请换一个。",
  pw_pattern: "密码是重复或连续的字符（如 aaaaaaaaaa、1234567890、qwertyuiop），会被最先猜到：请换一个。",
  pw_has_name: "密码不能包含用户名：请换一个。",
  pw_same: "新密码不能与当前密码相同。",
  wrong_current_password: "当前密码不正确。",
  login_locked: "登录失败次数过多，此账号已锁定至 {time}。请联系管理员解锁，或到时再试。",
  login_disabled: "此账号已停用。请联系管理员。",
  login_slow: "此地址登录失败次数过多：请稍等几秒再试。",
  user_state: "状态", state_active: "正常", state_disabled: "已停用", locked_until: "锁定至 {time}",
  must_change: "须修改密码", last_signin: "上次登录", never: "从未登录", actions: "操作",
  you: "（您本人）", disable: "停用", enable: "启用", reset_password: "重置密码",
  unlock: "解锁", delete_user: "删除", cancel: "取消",
  user_disabled: "已停用 {name}；其登录已全部退出", user_enabled: "已启用 {name}",
  user_unlocked: "已解锁 {name}", user_deleted: "已删除 {name}",
  user_reset: "已重置 {name} 的密码；TA 下次登录时必须修改",
  confirm_delete: "删除用户 {name}？TA 的登录会全部退出。此名称以后不能再用（审计日志按用户名记录每个人）。此操作无法撤销。",
  confirm_reset: "为 {name} 设置新密码？TA 的登录会全部退出，解除锁定，下次登录时必须改成自己的密码。",
  must_change_first: "首次登录时必须修改密码", province_code: "省份代码（GB/T 2260，如 44）"
});

Object.assign (HW_TEXT.en, {
  change_password: "Change password", current_password: "Current password",
  new_password: "New password", repeat_password: "New password again",
  passwords_differ: "The two new passwords differ",
  password_changed: "Password changed; you were signed out everywhere else",
  must_change_intro: "An administrator set this password for you. Change it to one only you know before you go on.",
  password_rules: "At least 10 characters; not a common password (such as woaini1314 or 1qaz2wsx), not a repeated character or a plain sequence (aaaaaaaaaa, 1234567890), not containing the user name. A few words you will remember make a good one.",
  pw_too_short: "The password is too short: use at least 10 characters (a few words you will remember make a good one).",
  pw_too_long: "The password is longer than 1024 bytes.",
  pw_not_text: "The password must be plain text, without control characters.",
  pw_common: "That is one of the most common passwords, which are guessed first: choose another.",
  pw_pattern: "That is a repeated character or a plain sequence (aaaaaaaaaa, 1234567890, qwertyuiop), which are guessed first: choose another.",
  pw_has_name: "The password must not contain the user name: choose another.",
  pw_same: "The new password must differ from the current one.",
  wrong_current_password: "The current password is wrong.",
  login_locked: "Too many failed sign-ins: this account is locked until {time}. Ask an administrator to unlock it, or try again then.",
  login_disabled: "This account is disabled. Ask an administrator.",
  login_slow: "Too many failed sign-ins from this address: wait a few seconds and try again.",
  user_state: "State", state_active: "Active", state_disabled: "Disabled",
  locked_until: "Locked until {time}", must_change: "Must change password",
  last_signin: "Last sign-in", never: "Never", actions: "Actions", you: "(you)",
  disable: "Disable", enable: "Enable", reset_password: "Reset password", unlock: "Unlock",
  delete_user: "Delete", cancel: "Cancel",
  user_disabled: "{name} disabled; signed out everywhere", user_enabled: "{name} enabled",
  user_unlocked: "{name} unlocked", user_deleted: "{name} deleted",
  user_reset: "Password of {name} reset; they must change it at their next sign-in",
  confirm_delete: "Delete the user {name}? They are signed out everywhere, and the name can never be used again (the audit log names people by user name). This cannot be undone.",
  confirm_reset: "Set a new password for {name}? They are signed out everywhere, any lock ends, and they must change it to their own at their next sign-in.",
  must_change_first: "Must change the password at the first sign-in",
  province_code: "Province code (GB/T 2260, e.g. 44)"
});

function fill (text, values) {
  return text.replace (/\{(\w+)\}/g, (m, k) => values [k] !== undefined ? values [k] : m);
}

// A time of the API (ISO 8601 UTC) in the reader's language and zone.
function localTime (iso) {
  if (!iso) return "";
  const d = new Date (iso);
  return isNaN (d) ? iso : d.toLocaleString (state.lang, { year: "numeric", month: "2-digit",
    day: "2-digit", hour: "2-digit", minute: "2-digit" });
}

// A refused password or another account error in the reader's language;
// the server's message when there is no word for it.
function accountErrorText (err) {
  const e = err.data || {};
  if (e.reason && HW_TEXT.en ["pw_" + e.reason]) return t ("pw_" + e.reason);
  if (e.code === "wrong_password") return t ("wrong_current_password");
  return err.message;
}

// What the sign-in form says when a sign-in is refused for more than a
// wrong password (null: say "wrong user name or password").
function loginErrorText (err) {
  const e = err.data || {};
  if (e.code === "account_locked") return fill (t ("login_locked"), { time: localTime (e.locked_until) });
  if (e.code === "account_disabled") return t ("login_disabled");
  if (e.code === "too_many_requests") return t ("login_slow");
  return null;
}

function userState (u) {
  const parts = [];
  if (u.disabled || !u.locked_until) parts.push (t (u.disabled ? "state_disabled" : "state_active"));
  if (u.locked_until) parts.push (fill (t ("locked_until"), { time: localTime (u.locked_until) }));
  if (u.must_change_password) parts.push (t ("must_change"));
  return parts.join (" · ");
}

// A modal question with its own fields; resolves with true (OK) or false.
function ask (question, okText, fields, danger) {
  return new Promise ((resolve) => {
    const dialog = el ("dialog", { class: "ask" });
    const done = (answer) => { dialog.close (); dialog.remove (); resolve (answer); };
    const form = el ("form", { method: "dialog", onsubmit: (e) => { e.preventDefault (); done (true); } },
      el ("p", { text: question }), fields || null,
      el ("div", { class: "actions" },
        el ("button", { type: "submit", class: danger ? "danger" : null, text: okText }),
        el ("button", { type: "button", class: "secondary", text: t ("cancel"), onclick: () => done (false) })));
    dialog.addEventListener ("cancel", (e) => { e.preventDefault (); done (false); });
    dialog.append (form);
    document.body.append (dialog);
    dialog.showModal ();
    const first = dialog.querySelector ("input");
    if (first) first.focus ();
  });
}

async function viewUsers () {
  const data = await api ("GET", "/users");
  const change = async (u, request, done) => {
    try {
      await request ();
      // The table drawn again first: the message never stands beside the old state.
      await viewUsers ();
      toast (fill (t (done), { name: u.name }));
    } catch (err) { toast (accountErrorText (err), true); }
  };
  const rows = data.users.map (u => {
    const self = state.me && u.name === state.me.name;
    const path = "/users/" + encodeURIComponent (u.name);
    const buttons = [];
    if (!self) {
      buttons.push (el ("button", { type: "button", class: "small secondary",
        text: t (u.disabled ? "enable" : "disable"),
        onclick: () => change (u, () => api ("PATCH", path, { disabled: !u.disabled }),
                               u.disabled ? "user_enabled" : "user_disabled") }));
      buttons.push (el ("button", { type: "button", class: "small secondary", text: t ("reset_password"),
        onclick: async () => {
          const input = el ("input", { name: "new_password", type: "password", required: true,
                                       minlength: 10, autocomplete: "new-password" });
          const fields = [label ("new_password", input), el ("p", { class: "hint", text: t ("password_rules") })];
          if (!await ask (fill (t ("confirm_reset"), { name: u.name }), t ("reset_password"), fields)) return;
          change (u, () => api ("POST", path + "/password", { password: input.value }), "user_reset");
        } }));
    }
    if (u.locked_until)
      buttons.push (el ("button", { type: "button", class: "small secondary", text: t ("unlock"),
        onclick: () => change (u, () => api ("POST", path + "/unlock", {}), "user_unlocked") }));
    if (!self)
      buttons.push (el ("button", { type: "button", class: "small danger", text: t ("delete_user"),
        onclick: async () => {
          if (!await ask (fill (t ("confirm_delete"), { name: u.name }), t ("delete_user"), null, true)) return;
          change (u, () => api ("DELETE", path), "user_deleted");
        } }));
    return el ("tr", { class: u.disabled ? "disabled" : u.locked_until ? "locked" : null },
      el ("td", { "data-label": t ("name") }, u.name, self ? el ("span", { class: "hint", text: " " + t ("you") }) : null),
      el ("td", { "data-label": t ("role"), text: t (u.role) }),
      el ("td", { "data-label": t ("station"), text: u.station || "" }),
      el ("td", { "data-label": t ("user_state"), class: "state", text: userState (u) }),
      el ("td", { "data-label": t ("last_signin"), text: u.last_signin_at ? localTime (u.last_signin_at) : t ("never") }),
      el ("td", { "data-label": t ("actions") }, buttons.length ? el ("div", { class: "actions" }, buttons) : null));
  });

  const name = el ("input", { name: "name", required: true, autocomplete: "off" });
  const password = el ("input", { name: "password", type: "password", required: true, minlength: 10,
                                  autocomplete: "new-password" });
  const role = el ("select", { name: "role" }, ["station_staff", "police_liaison", "admin"]
    .map (r => el ("option", { value: r, text: t (r) })));
  const station = el ("input", { name: "station" });
  const province = el ("input", { name: "province", type: "number", inputmode: "numeric" });
  const mustChange = el ("input", { name: "must_change_password", type: "checkbox", checked: true });
  main.replaceChildren (el ("section", { class: "card" }, el ("h2", { text: t ("users") }),
    el ("table", { class: "users" },
      el ("thead", {}, el ("tr", {}, ["name", "role", "station", "user_state", "last_signin", "actions"]
        .map (k => el ("th", { text: t (k) })))),
      el ("tbody", {}, rows))),
    el ("form", { class: "card", onsubmit: async (e) => {
      e.preventDefault ();
      try {
        await api ("POST", "/users", { name: name.value, password: password.value, role: role.value,
                                       station: station.value, province: Number (province.value || 0),
                                       must_change_password: mustChange.checked });
        toast (t ("created")); viewUsers ();
      } catch (err) { toast (accountErrorText (err), true); }
    } }, el ("h2", { text: t ("add_user") }), label ("name", name), label ("password", password),
      el ("p", { class: "hint", text: t ("password_rules") }),
      el ("label", { class: "check" }, mustChange, el ("span", { text: t ("must_change_first") })),
      label ("role", role), label ("station", station), label ("province_code", province),
      el ("button", { type: "submit", text: t ("save") })));
}

// One's own password; the first page of a user whose password an admin set.
function viewPassword () {
  const current = el ("input", { name: "current_password", type: "password", required: true,
                                 autocomplete: "current-password" });
  const fresh = el ("input", { name: "new_password", type: "password", required: true, minlength: 10,
                               autocomplete: "new-password" });
  const again = el ("input", { name: "repeat_password", type: "password", required: true, minlength: 10,
                               autocomplete: "new-password" });
  const message = el ("p", { class: "error", role: "alert" });
  const must = state.me && state.me.must_change_password;
  const form = el ("form", { class: "card narrow", onsubmit: async (e) => {
    e.preventDefault ();
    message.textContent = "";
    if (fresh.value !== again.value) { message.textContent = t ("passwords_differ"); again.focus (); return; }
    try {
      const data = await api ("POST", "/me/password", { old_password: current.value, password: fresh.value });
      state.me = data.user;
      // Said on the page it goes to (a toast belongs to its page).
      const next = afterSignIn ();
      toast (t ("password_changed"), false, next);
      go (next);
    } catch (err) { message.textContent = accountErrorText (err); }
  } }, el ("h2", { text: t ("change_password") }),
     must ? el ("p", { class: "note", text: t ("must_change_intro") }) : null,
     label ("current_password", current), label ("new_password", fresh), label ("repeat_password", again),
     el ("p", { class: "hint", text: t ("password_rules") }),
     el ("button", { type: "submit", text: t ("change_password") }), message);
  main.replaceChildren (form);
  current.focus ();
}
