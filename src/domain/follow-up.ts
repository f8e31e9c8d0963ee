import { problemObjects, stripNoise } from './report-similarity';

// Phrases that chase or second a report without describing anything new.
const FOLLOW_UP_PHRASES: readonly RegExp[] = [
  /[+＋]\s*[1１一]+/g,
  /同上|同问|附议|顶一下|顶顶|^顶$/g,
  /我(?:家|们|们家|这边|这里)?(?:楼下|楼上|这边|这里)?也(?:是|一样|这样|遇到了?|碰到了?)(?:的|啊|呀)?/g,
  /(?:一样|也是|同样)的?(?:情况|问题)?/g,
  /(?:还|还是|到现在还?|怎么还|为什么还|咋还)(?:没|没有)(?:人)?(?:来)?(?:管|修好?|处理好?|解决|弄好?|清理?|人管|人修|人来修|人来|人处理|动静|回复|反应)/g,
  /(?:有没有|有|没)人管(?:管|一下)?(?:没有|没)?/g,
  /(?:到底)?(?:管不管|修不修)/g,
  /什么时候(?:能|才能|可以)?(?:修好?|处理|解决|弄好?)/g,
  /(?:处理|修|解决)(?:了|好了)?(?:没有|没|吗)/g,
  /进展(?:怎么样|如何)|催(?:一下|一催|催)|跟进一下/g,
  /[一二两三四五六七八九十几\d]+(?:天|个?礼拜|个?星期|个?月|个?小时)了?/g,
];
const FILLER = /[啊呀吗呢吧了哦噢喔嘛么啦的呐哈哎唉诶]|请问|物业|书记|到底|都|已经|真的|这个|那个|怎么|回事/g;
const FOLLOW_UP_MAX_REST = 6;

/**
 * True for a message that only seconds or chases an earlier report: "+1", "同上", "还没人管吗",
 * "怎么还没修好". What is left after those phrases must name nothing (no thing, place or
 * number): "电梯也是坏的" is a report of its own and is matched by its text.
 */
export function isFollowUp(text: string): boolean {
  let rest = stripNoise(text.normalize('NFKC').toLowerCase());
  let matched = false;
  for (const p of FOLLOW_UP_PHRASES) {
    rest = rest.replace(p, () => {
      matched = true;
      return '';
    });
  }
  if (!matched) return false;
  rest = rest.replace(FILLER, '').replace(/\s+/g, '');
  if (/\d/.test(rest) || [...rest].length > FOLLOW_UP_MAX_REST) return false;
  const named = problemObjects(rest);
  return named.objects.size === 0 && named.places.size === 0 && !/[栋幢单元座号]/.test(rest);
}
