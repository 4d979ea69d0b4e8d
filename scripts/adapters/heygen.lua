-- heygen.lua — a HeyGen v2 video-generate request body: one scene in `video_inputs` per beat
-- to generate (avatar + voice + background), 9:16 dimension, the lineage tag as the title so the
-- rendered ad can be traced back to its recipe. Segments cut from existing ads are not HeyGen's
-- job: they are listed in `callback_id` context for the splice step.
-- options: avatar_id, voice_id (from the config), background_color.

local function words(s, max)
  if not s then return nil end
  local out, n = {}, 0
  for w in s:gmatch("%S+") do
    n = n + 1
    if n > max then break end
    out[n] = w
  end
  return table.concat(out, " ")
end

return function(recipe, options)
  local scenes = {}
  for _, beat in ipairs(recipe.script_beats or {}) do
    local text = beat.spoken or beat.onscreen_text or beat.visual or recipe.instructions or ""
    local voice = { type = "text", input_text = words(text, 200) or "",
                    voice_id = options.voice_id or "default" }
    if recipe.voiceover then voice.speed = recipe.voiceover.speed end
    scenes[#scenes + 1] = {
      character = { type = "avatar", avatar_id = options.avatar_id or "default",
                    avatar_style = "normal" },
      voice = voice,
      background = { type = "color", value = options.background_color or "#FFFFFF" },
    }
  end
  if #scenes == 0 then
    scenes[1] = {
      character = { type = "avatar", avatar_id = options.avatar_id or "default" },
      voice = { type = "text", input_text = words(recipe.instructions or "", 200) or "",
                voice_id = options.voice_id or "default" },
    }
  end
  return {
    title = recipe.lineage_tag,
    caption = true,
    dimension = { width = 1080, height = 1920 },
    video_inputs = scenes,
    callback_id = recipe.id,
  }
end
